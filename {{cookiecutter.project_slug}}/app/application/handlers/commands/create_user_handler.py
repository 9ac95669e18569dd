from app.application.bus.command_bus import command_handler
from app.application.commands.create_user import CreateUserCommand
from app.application.dto.user import UserDTO
from app.application.services.account_registration import open_account
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher


@command_handler(CreateUserCommand)
async def handle_create_user(
    command: CreateUserCommand, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock
) -> UserDTO:
    return await open_account(
        email=command.email,
        password=command.password,
        role=command.role,
        uow=uow,
        hasher=hasher,
        clock=clock,
    )
