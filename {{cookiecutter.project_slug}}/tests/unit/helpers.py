"""Constants and small builders shared by the unit tests."""

from datetime import timedelta

from app.application.commands.create_user import CreateUserCommand
from app.application.commands.login_user import LoginUserCommand
from app.application.commands.refresh_token import RefreshTokenCommand
from app.application.dto.token_pair import TokenPairDTO
from app.application.dto.user import UserDTO
from app.application.handlers.commands.create_user_handler import handle_create_user
from app.application.handlers.commands.login_user_handler import handle_login_user
from app.application.handlers.commands.refresh_token_handler import handle_refresh_token
from app.application.services.login_throttle import LoginLimits, LoginThrottle
from app.application.services.refresh_throttle import RefreshLimits, RefreshThrottle
from app.application.services.token_service import TokenService
from app.domain.value_objects.role import Role
from app.infrastructure.throttle.in_memory_throttle_store import InMemoryThrottleStore

from .fakes import FakePasswordHasher, FixedClock, InMemoryUnitOfWork, RecordingSecurityLog

PASSWORD = "correct horse battery"
JWT_SECRET = "unit-test-secret-" + "x" * 47  # 64 bytes: long enough for HS256 and HS512
JWT_ALGORITHM = "HS256"
JWT_ISSUER = "my-service-tests"
JWT_AUDIENCE = "my-service-tests:local"
ACCESS_TTL = timedelta(minutes=30)
REFRESH_TTL = timedelta(days=7)
SESSION_LIFETIME = timedelta(days=30)
CLIENT_BUCKET = "192.0.2.1"
# The shipped defaults (config.py): 5 per account and address, 20 per account, 15 minutes, 30 days.
DEFAULT_LOGIN_LIMITS = LoginLimits(
    failures_per_account_and_address=5,
    failures_per_account=20,
    window_seconds=15 * 60,
    known_address_seconds=30 * 24 * 60 * 60,
)

# The shipped defaults (config.py): 10 failures per address, 5 refreshes per session, a minute.
DEFAULT_REFRESH_LIMITS = RefreshLimits(failures_per_address=10, per_session=5, window_seconds=60)


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
        CreateUserCommand(email=email, password=password, requester=None, role=role),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )


async def login(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    email: str = "alice@example.com",
    password: str = PASSWORD,
    *,
    throttle: LoginThrottle | None = None,
    address: str = CLIENT_BUCKET,
    security_log: RecordingSecurityLog | None = None,
) -> TokenPairDTO:
    """Log in from `address`; without a `throttle`, through a fresh one with the defaults."""
    return await handle_login_user(
        LoginUserCommand(email=email, password=password, address_bucket=address),
        uow,
        hasher,
        tokens,
        throttle or LoginThrottle(InMemoryThrottleStore(), DEFAULT_LOGIN_LIMITS),
        security_log or RecordingSecurityLog(),
    )


async def refresh(
    uow: InMemoryUnitOfWork,
    tokens: TokenService,
    clock: FixedClock,
    raw: str,
    *,
    throttle: RefreshThrottle | None = None,
    address: str = CLIENT_BUCKET,
    security_log: RecordingSecurityLog | None = None,
) -> TokenPairDTO:
    """Refresh from `address`; without a `throttle`, through a fresh one with the defaults."""
    return await handle_refresh_token(
        RefreshTokenCommand(refresh_token=raw, address_bucket=address),
        uow,
        tokens,
        clock,
        throttle or RefreshThrottle(InMemoryThrottleStore(), DEFAULT_REFRESH_LIMITS),
        security_log or RecordingSecurityLog(),
    )
