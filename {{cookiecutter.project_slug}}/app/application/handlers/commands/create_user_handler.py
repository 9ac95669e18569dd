from app.application.bus.command_bus import command_handler
from app.application.commands.create_user import CreateUserCommand
from app.application.dto.user import UserDTO
from app.application.services.account_registration import open_account
from app.application.services.requester import requester_account, require_role
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.role import Role


@command_handler(CreateUserCommand)
async def handle_create_user(
    command: CreateUserCommand, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock
) -> UserDTO:
    if command.requester is not None:
        # Before the bcrypt hash, so that no caller who may not do this can spend one.
        async with uow:
            admin = await requester_account(uow.users, command.requester.user_id)
        require_role(admin.role, Role.ADMIN)
    return await open_account(
        email=command.email,
        password=command.password,
        role=command.role,
        uow=uow,
        hasher=hasher,
        clock=clock,
    )
