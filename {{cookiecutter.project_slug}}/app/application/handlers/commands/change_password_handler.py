from app.application.bus.command_bus import command_handler
from app.application.commands.change_password import ChangePasswordCommand
from app.application.unit_of_work import UnitOfWork
from app.domain.errors import AuthenticationError, NotFoundError
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.password import Password
from app.domain.value_objects.user_id import UserId


@command_handler(ChangePasswordCommand)
async def handle_change_password(
    command: ChangePasswordCommand, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock
) -> None:
    new_password = Password(command.new_password)
    user_id = UserId(command.user_id)
    async with uow:
        user = await uow.users.get(user_id)
    if user is None:
        raise NotFoundError("User not found", code="USER_NOT_FOUND")
    if not await hasher.verify(command.current_password, user.password_hash):
        raise AuthenticationError("Current password is incorrect", code="INVALID_CURRENT_PASSWORD")
    user.change_password_hash(await hasher.hash(new_password))
    async with uow:
        await uow.users.update_password(user)
        # Every session opened with the old password ends now.
        await uow.refresh_tokens.revoke_all_for_user(user.id_, clock.now())
