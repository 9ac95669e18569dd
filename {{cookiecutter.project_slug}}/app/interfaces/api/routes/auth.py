import uuid

from fastapi import APIRouter, Depends, status

from app.application.commands.change_password import ChangePasswordCommand
from app.application.commands.end_other_sessions import EndOtherSessionsCommand
from app.application.commands.end_session import EndSessionCommand
from app.application.commands.login_user import LoginUserCommand
from app.application.commands.logout_user import LogoutUserCommand
from app.application.commands.refresh_token import RefreshTokenCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.queries.list_sessions import ListSessionsQuery
from app.interfaces.api.schemas.auth import (
    ChangePasswordRequest,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    RegisterRequest,
    TokenResponse,
)
from app.interfaces.api.schemas.errors import error_responses
from app.interfaces.api.schemas.headers import NO_STORE_HEADERS
from app.interfaces.api.schemas.links import REGISTERED_USER_LINKS, TOKEN_PAIR_LINKS
from app.interfaces.api.schemas.sessions import SessionListResponse, SessionResponse
from app.interfaces.api.schemas.users import UserResponse
from app.interfaces.client_address import client_bucket
from app.interfaces.client_summary import client_summary
from app.interfaces.dependencies.no_store import no_store
from app.interfaces.pipeline.flows import (
    AuthenticatedContext,
    LoginContext,
    LogoutContext,
    PasswordChangeContext,
    PublicContext,
    RegisterContext,
)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
TOKEN_PAIR_RESPONSE = {"headers": NO_STORE_HEADERS, "links": TOKEN_PAIR_LINKS}


@router.post(
    "/register",
    operation_id="register_user",
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"links": REGISTERED_USER_LINKS},
        **error_responses(400, 409, 413, 415, 422, 429, 503),
    },
)
async def register(body: RegisterRequest, ctx: RegisterContext) -> UserResponse:
    command = RegisterUserCommand(email=body.email, password=body.password)
    user = await ctx.commands.dispatch(command)
    return UserResponse.model_validate(user, from_attributes=True)


@router.post(
    "/login",
    operation_id="login",
    dependencies=[Depends(no_store)],
    responses={200: TOKEN_PAIR_RESPONSE, **error_responses(400, 401, 413, 415, 422, 429, 503)},
)
async def login(body: LoginRequest, ctx: LoginContext) -> TokenResponse:
    pair = await ctx.commands.dispatch(
        LoginUserCommand(
            email=body.email,
            password=body.password,
            address_bucket=client_bucket(ctx.request),
            client=client_summary(ctx.request),
        )
    )
    return TokenResponse.model_validate(pair, from_attributes=True)


@router.post(
    "/refresh",
    operation_id="refresh_tokens",
    dependencies=[Depends(no_store)],
    responses={200: TOKEN_PAIR_RESPONSE, **error_responses(400, 401, 413, 415, 422, 429, 503)},
)
async def refresh(body: RefreshRequest, ctx: PublicContext) -> TokenResponse:
    pair = await ctx.commands.dispatch(
        RefreshTokenCommand(
            refresh_token=body.refresh_token,
            address_bucket=client_bucket(ctx.request),
            client=client_summary(ctx.request),
        )
    )
    return TokenResponse.model_validate(pair, from_attributes=True)


@router.post(
    "/logout",
    operation_id="logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 401, 403, 413, 415, 422, 429, 503),
)
async def logout(body: LogoutRequest, ctx: LogoutContext) -> None:
    await ctx.commands.dispatch(
        LogoutUserCommand(user_id=ctx.principal.user_id, refresh_token=body.refresh_token)
    )


@router.post(
    "/change-password",
    operation_id="change_password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
)
async def change_password(body: ChangePasswordRequest, ctx: PasswordChangeContext) -> None:
    await ctx.commands.dispatch(
        ChangePasswordCommand(
            user_id=ctx.principal.user_id,
            current_password=body.current_password,
            new_password=body.new_password,
        )
    )


@router.get("/sessions", operation_id="list_sessions", responses=error_responses(401, 503))
async def list_sessions(ctx: AuthenticatedContext) -> SessionListResponse:
    """The caller's sessions that can still refresh, the most recently used first."""
    sessions = await ctx.queries.dispatch(
        ListSessionsQuery(
            user_id=ctx.principal.user_id, current_session_id=ctx.principal.session_id
        )
    )
    return SessionListResponse(
        sessions=[SessionResponse.model_validate(session.model_dump()) for session in sessions]
    )


@router.delete(
    "/sessions",
    operation_id="end_other_sessions",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 503),
)
async def end_other_sessions(ctx: AuthenticatedContext) -> None:
    """Sign out everywhere but in the session of this access token."""
    await ctx.commands.dispatch(
        EndOtherSessionsCommand(
            user_id=ctx.principal.user_id, current_session_id=ctx.principal.session_id
        )
    )


@router.delete(
    "/sessions/{session_id}",
    operation_id="end_session",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404, 422, 503),
)
async def end_session(session_id: uuid.UUID, ctx: AuthenticatedContext) -> None:
    """Sign one of the caller's sessions out; its refresh token stops working."""
    await ctx.commands.dispatch(
        EndSessionCommand(
            user_id=ctx.principal.user_id,
            session_id=session_id,
            current_session_id=ctx.principal.session_id,
        )
    )
