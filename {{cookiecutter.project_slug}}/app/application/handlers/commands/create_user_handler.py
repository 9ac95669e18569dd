from app.application.bus.command_bus import command_handler
from app.application.commands.create_user import CreateUserCommand
from app.application.dto.user import UserDTO
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.account_registration import open_account
from app.application.services.requester import requester_account, require_role
from app.application.unit_of_work import UnitOfWork
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.role import Role


@command_handler(CreateUserCommand)
async def handle_create_user(
    command: CreateUserCommand,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    clock: Clock,
    security_log: SecurityLog,
) -> UserDTO:
    if command.requester is not None:
        # Before the bcrypt hash, so that no caller who may not do this can spend one.
        async with uow:
            admin = await requester_account(uow.users, command.requester.user_id)
        require_role(admin.role, Role.ADMIN)
    user = await open_account(
        email=command.email,
        password=command.password,
        role=command.role,
        uow=uow,
        hasher=hasher,
        clock=clock,
    )
    # Here rather than by the bus's audit, which never learns the new account's id.
    requester = command.requester
    security_log.record(
        SecurityEvent.ADMIN_ACTION,
        user_id=None if requester is None else requester.user_id,
        action="create_user",
        target_user_id=user.id,
        role=command.role.value,
        **({"by": "operator"} if requester is None else {}),
    )
    return user
