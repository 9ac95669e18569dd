from app.application.bus.command_bus import command_handler
from app.application.commands.register_user import RegisterUserCommand
from app.application.dto.user import UserDTO
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.account_registration import open_account
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.role import Role


@command_handler(RegisterUserCommand)
async def handle_register_user(
    command: RegisterUserCommand,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    clock: Clock,
    security_log: SecurityLog,
) -> UserDTO:
    user = await open_account(
        email=command.email,
        password=command.password,
        role=Role.USER,
        uow=uow,
        hasher=hasher,
        clock=clock,
    )
    security_log.record(SecurityEvent.ACCOUNT_REGISTERED, user_id=user.id)
    return user
