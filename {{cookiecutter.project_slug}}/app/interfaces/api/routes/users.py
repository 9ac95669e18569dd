import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.application.commands.change_user_role import ChangeUserRoleCommand
from app.application.commands.change_user_status import ChangeUserStatusCommand
from app.application.commands.create_user import CreateUserCommand
from app.application.commands.end_user_sessions import EndUserSessionsCommand
from app.application.dto.user import UserDTO
from app.application.queries.get_user import GetUserQuery
from app.application.queries.list_users import MAX_PAGE_SIZE, ListUsersQuery, UserPosition
from app.application.read_models.user import UserReadModel
from app.domain.value_objects.role import Role
from app.interfaces.api.not_me_convertor import NAME as NOT_ME
from app.interfaces.api.schemas.errors import error_responses
from app.interfaces.api.schemas.links import CREATED_USER_LINKS
from app.interfaces.api.schemas.user_cursor import MAX_LENGTH, decode_cursor, encode_cursor
from app.interfaces.api.schemas.users import (
    CreateUserRequest,
    UpdateUserRequest,
    UserPageResponse,
    UserResponse,
)
from app.interfaces.pipeline.flows import AuthenticatedContext

router = APIRouter(prefix="/api/v1/users", tags=["users"])
DEFAULT_PAGE_SIZE = 20
# Any segment but "me": /me has its own route (not_me_convertor.py).
BY_ID = "/{user_id:" + NOT_ME + "}"
CURSOR = "The next_cursor of the page before; no other value works"


def _rendered(user: UserReadModel | UserDTO) -> UserResponse:
    return UserResponse.model_validate(user, from_attributes=True)


@router.get("/me", operation_id="get_current_user", responses=error_responses(401, 503))
async def get_current_user(ctx: AuthenticatedContext) -> UserResponse:
    me = ctx.principal
    user = await ctx.queries.dispatch(GetUserQuery(user_id=me.user_id, requester=me))
    return _rendered(user)


@router.get("", operation_id="list_users", responses=error_responses(401, 403, 422, 503))
async def list_users(
    ctx: AuthenticatedContext,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=MAX_LENGTH, description=CURSOR)] = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> UserPageResponse:
    """Admins only: every account, oldest first, a page at a time."""
    page = await ctx.queries.dispatch(
        ListUsersQuery(
            requester=ctx.principal,
            limit=limit,
            after=None if cursor is None else decode_cursor(cursor),
            role=role,
            is_active=is_active,
        )
    )
    last = page.items[-1] if page.has_more else None
    return UserPageResponse(
        items=[_rendered(user) for user in page.items],
        next_cursor=None if last is None else encode_cursor(UserPosition(last.created_at, last.id)),
    )


@router.get(BY_ID, operation_id="get_user", responses=error_responses(401, 403, 404, 422, 503))
async def get_user(user_id: uuid.UUID, ctx: AuthenticatedContext) -> UserResponse:
    user = await ctx.queries.dispatch(GetUserQuery(user_id=user_id, requester=ctx.principal))
    return _rendered(user)


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
    return _rendered(user)


@router.patch(
    BY_ID,
    operation_id="update_user",
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
)
async def update_user(
    user_id: uuid.UUID, body: UpdateUserRequest, ctx: AuthenticatedContext
) -> UserResponse:
    """Admins only: one change per request, its role or its status."""
    if body.role is not None:
        user = await ctx.commands.dispatch(
            ChangeUserRoleCommand(user_id=user_id, role=body.role, requester=ctx.principal)
        )
    else:
        assert body.is_active is not None, "UpdateUserRequest names exactly one field"
        user = await ctx.commands.dispatch(
            ChangeUserStatusCommand(
                user_id=user_id, is_active=body.is_active, requester=ctx.principal
            )
        )
    return _rendered(user)


@router.delete(
    BY_ID + "/sessions",
    operation_id="end_user_sessions",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 422, 503),
)
async def end_user_sessions(user_id: uuid.UUID, ctx: AuthenticatedContext) -> None:
    """Admins only: sign the account out of every session (its access tokens still work
    until they expire, ACCESS_TOKEN_EXPIRE_MINUTES at most)."""
    await ctx.commands.dispatch(EndUserSessionsCommand(user_id=user_id, requester=ctx.principal))
