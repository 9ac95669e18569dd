from fastapi import APIRouter, status

from app.application.commands.change_password import ChangePasswordCommand
from app.application.commands.login_user import LoginUserCommand
from app.application.commands.logout_user import LogoutUserCommand
from app.application.commands.refresh_token import RefreshTokenCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.dto.principal import Principal
from app.interfaces.api.schemas.auth import (
    ChangePasswordRequest,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    RegisterRequest,
    TokenResponse,
)
from app.interfaces.api.schemas.errors import error_responses
from app.interfaces.api.schemas.users import UserResponse
from app.interfaces.dependencies.container import CommandBusDep
from app.interfaces.pipeline.flows import (
    AuthenticatedContext,
    LoginContext,
    PasswordChangeContext,
    PublicContext,
    RegisterContext,
)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 409, 413, 415, 422, 429, 503),
)
async def register(
    body: RegisterRequest, ctx: RegisterContext, commands: CommandBusDep
) -> UserResponse:
    user = await commands.dispatch(RegisterUserCommand(email=body.email, password=body.password))
    return UserResponse.model_validate(user, from_attributes=True)


@router.post("/login", responses=error_responses(400, 401, 413, 415, 422, 429, 503))
async def login(body: LoginRequest, ctx: LoginContext, commands: CommandBusDep) -> TokenResponse:
    pair = await commands.dispatch(LoginUserCommand(email=body.email, password=body.password))
    return TokenResponse.model_validate(pair, from_attributes=True)


@router.post("/refresh", responses=error_responses(400, 401, 413, 415, 422))
async def refresh(
    body: RefreshRequest, ctx: PublicContext, commands: CommandBusDep
) -> TokenResponse:
    pair = await commands.dispatch(RefreshTokenCommand(refresh_token=body.refresh_token))
    return TokenResponse.model_validate(pair, from_attributes=True)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 401, 413, 415, 422),
)
async def logout(body: LogoutRequest, ctx: AuthenticatedContext, commands: CommandBusDep) -> None:
    principal: Principal = ctx.user
    await commands.dispatch(
        LogoutUserCommand(user_id=principal.user_id, refresh_token=body.refresh_token)
    )


@router.post(
    "/change-password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
)
async def change_password(
    body: ChangePasswordRequest, ctx: PasswordChangeContext, commands: CommandBusDep
) -> None:
    principal: Principal = ctx.user
    await commands.dispatch(
        ChangePasswordCommand(
            user_id=principal.user_id,
            current_password=body.current_password,
            new_password=body.new_password,
        )
    )
