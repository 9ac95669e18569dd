from app.application.bus.command_bus import command_handler
from app.application.commands.change_password import ChangePasswordCommand
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.requester import requester_account
from app.application.unit_of_work import UnitOfWork
from app.domain.errors import AuthorizationError, ConflictError
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.password import Password


@command_handler(ChangePasswordCommand)
async def handle_change_password(
    command: ChangePasswordCommand,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    clock: Clock,
    security_log: SecurityLog,
) -> None:
    new_password = Password(command.new_password)
    async with uow:
        user = await requester_account(uow.users, command.user_id)
    # 403, not 401: the caller's access token is fine, this action is what is refused.
    if not await hasher.verify(command.current_password, user.password_hash):
        security_log.record(
            SecurityEvent.PASSWORD_CHANGE_FAILED,
            user_id=command.user_id,
            reason="wrong_current_password",
        )
        raise AuthorizationError("Current password is incorrect", code="INVALID_CURRENT_PASSWORD")
    new_hash = await hasher.hash(new_password)
    async with uow:
        current = await requester_account(uow.users, command.user_id, lock=True)
        if current.password_hash != user.password_hash:
            raise ConflictError(
                "The password was changed meanwhile; sign in again",
                code="PASSWORD_CHANGED_CONCURRENTLY",
            )
        now = clock.now()
        current.change_password_hash(new_hash, now=now)
        await uow.users.update_password(current)
        # Every session opened with the old password ends now.
        await uow.refresh_tokens.revoke_all_for_user(current.id_, now)
    security_log.record(SecurityEvent.PASSWORD_CHANGED, user_id=command.user_id)
