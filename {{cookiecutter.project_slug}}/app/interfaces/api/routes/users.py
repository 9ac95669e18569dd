import uuid

from fastapi import APIRouter, status

from app.application.commands.create_user import CreateUserCommand
from app.application.queries.get_user import GetUserQuery
from app.interfaces.api.schemas.errors import error_responses
from app.interfaces.api.schemas.links import CREATED_USER_LINKS
from app.interfaces.api.schemas.users import CreateUserRequest, UserResponse
from app.interfaces.pipeline.flows import AuthenticatedContext

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.get(
    "/{user_id}", operation_id="get_user", responses=error_responses(401, 403, 404, 422, 503)
)
async def get_user(user_id: uuid.UUID, ctx: AuthenticatedContext) -> UserResponse:
    user = await ctx.queries.dispatch(GetUserQuery(user_id=user_id, requester=ctx.principal))
    return UserResponse.model_validate(user, from_attributes=True)


@router.post(
    "",
    operation_id="create_user",
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"links": CREATED_USER_LINKS},
        **error_responses(400, 401, 403, 409, 413, 415, 422, 503),
    },
)
async def create_user(body: CreateUserRequest, ctx: AuthenticatedContext) -> UserResponse:
    user = await ctx.commands.dispatch(
        CreateUserCommand(
            email=body.email, password=body.password, requester=ctx.principal, role=body.role
        )
    )
    return UserResponse.model_validate(user, from_attributes=True)
