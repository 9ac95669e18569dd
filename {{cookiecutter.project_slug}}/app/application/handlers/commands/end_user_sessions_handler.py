from app.application.bus.command_bus import command_handler
from app.application.commands.end_user_sessions import EndUserSessionsCommand
from app.application.services.requester import requester_account, require_role
from app.application.unit_of_work import UnitOfWork
from app.domain.errors import NotFoundError
from app.domain.services.clock import Clock
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId


@command_handler(EndUserSessionsCommand)
async def handle_end_user_sessions(
    command: EndUserSessionsCommand, uow: UnitOfWork, clock: Clock
) -> None:
    async with uow:
        if command.requester is not None:
            admin = await requester_account(uow.users, command.requester.user_id)
            require_role(admin.role, Role.ADMIN)
        # The account's lock: a refresh of one of its sessions finishes first, and ends too.
        user = await uow.users.get_for_update(UserId(command.user_id))
        if user is None:
            raise NotFoundError("User not found", code="USER_NOT_FOUND")
        await uow.refresh_tokens.revoke_all_for_user(user.id_, clock.now())
