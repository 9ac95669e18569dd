from app.application.bus.command_bus import command_handler
from app.application.commands.change_user_role import ChangeUserRoleCommand
from app.application.dto.user import UserDTO
from app.application.services.admin_change import account_to_change
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId


@command_handler(ChangeUserRoleCommand)
async def handle_change_user_role(
    command: ChangeUserRoleCommand, uow: UnitOfWork, clock: Clock
) -> UserDTO:
    admin = UserId(command.requester.user_id)
    async with uow:
        user = await account_to_change(
            uow,
            requester_id=command.requester.user_id,
            user_id=command.user_id,
            removes_admin=command.role is not Role.ADMIN,
        )
        # The new role counts from the user's next request: handlers read it from here.
        if user.change_role(command.role, by=admin, now=clock.now()):
            await uow.users.update_access(user)
    return UserDTO.from_entity(user)
