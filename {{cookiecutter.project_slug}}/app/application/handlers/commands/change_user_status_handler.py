from app.application.bus.command_bus import command_handler
from app.application.commands.change_user_status import ChangeUserStatusCommand
from app.application.dto.user import UserDTO
from app.application.services.admin_change import account_to_change
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock
from app.domain.value_objects.user_id import UserId


@command_handler(ChangeUserStatusCommand)
async def handle_change_user_status(
    command: ChangeUserStatusCommand, uow: UnitOfWork, clock: Clock
) -> UserDTO:
    admin = UserId(command.requester.user_id)
    async with uow:
        user = await account_to_change(
            uow,
            requester_id=command.requester.user_id,
            user_id=command.user_id,
            removes_admin=not command.is_active,
        )
        now = clock.now()
        if user.change_status(is_active=command.is_active, by=admin, now=now):
            await uow.users.update_access(user)
        if not user.is_active:
            # Its sessions end now; its access tokens are refused from its next request,
            # since every authenticated handler reads the account (services/requester.py).
            await uow.refresh_tokens.revoke_all_for_user(user.id_, now)
    return UserDTO.from_entity(user)
