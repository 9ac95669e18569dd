"""Constants and small builders shared by the unit tests."""

from datetime import timedelta

from app.application.commands.create_user import CreateUserCommand
from app.application.commands.login_user import LoginUserCommand
from app.application.dto.token_pair import TokenPairDTO
from app.application.dto.user import UserDTO
from app.application.handlers.commands.create_user_handler import handle_create_user
from app.application.handlers.commands.login_user_handler import handle_login_user
from app.application.services.token_service import TokenService
from app.domain.value_objects.role import Role

from .fakes import FakePasswordHasher, FixedClock, InMemoryUnitOfWork

PASSWORD = "correct horse battery"
JWT_SECRET = "unit-test-secret-" + "x" * 47  # 64 bytes: long enough for HS256 and HS512
JWT_ALGORITHM = "HS256"
JWT_ISSUER = "my-service-tests"
ACCESS_TTL = timedelta(minutes=30)
REFRESH_TTL = timedelta(days=7)


async def create_user(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    email: str = "alice@example.com",
    *,
    password: str = PASSWORD,
    role: Role = Role.USER,
) -> UserDTO:
    return await handle_create_user(
        CreateUserCommand(email=email, password=password, role=role), uow, hasher, clock
    )


async def login(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    email: str = "alice@example.com",
    password: str = PASSWORD,
) -> TokenPairDTO:
    return await handle_login_user(
        LoginUserCommand(email=email, password=password), uow, hasher, tokens
    )
