import uuid

from fastapi import APIRouter, status

from app.application.commands.create_user import CreateUserCommand
from app.application.queries.get_user import GetUserQuery
from app.interfaces.api.schemas.errors import error_responses
from app.interfaces.api.schemas.users import CreateUserRequest, UserResponse
from app.interfaces.dependencies.container import CommandBusDep, QueryBusDep
from app.interfaces.pipeline.flows import AdminContext, AuthenticatedContext

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.get("/{user_id}", responses=error_responses(401, 403, 404, 422))
async def get_user(
    user_id: uuid.UUID, ctx: AuthenticatedContext, queries: QueryBusDep
) -> UserResponse:
    user = await queries.dispatch(GetUserQuery(user_id=user_id, requester=ctx.user))
    return UserResponse.model_validate(user.model_dump())


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def create_user(
    body: CreateUserRequest, ctx: AdminContext, commands: CommandBusDep
) -> UserResponse:
    user = await commands.dispatch(
        CreateUserCommand(email=body.email, password=body.password, role=body.role)
    )
    return UserResponse.model_validate(user, from_attributes=True)
