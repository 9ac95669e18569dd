import uuid

from app.application.bus.command_bus import command_handler
from app.application.commands.login_user import LoginUserCommand
from app.application.dto.token_pair import TokenPairDTO
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.login_throttle import LoginThrottle
from app.application.services.token_service import TokenService
from app.application.unit_of_work import UnitOfWork
from app.domain.errors import AuthenticationError, AuthorizationError, DomainError, ValidationError
from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.email import Email
from app.domain.value_objects.password import Password


def _invalid_credentials() -> AuthenticationError:
    return AuthenticationError("Invalid email or password", code="INVALID_CREDENTIALS")


@command_handler(LoginUserCommand)
async def handle_login_user(
    command: LoginUserCommand,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    tokens: TokenService,
    login_throttle: LoginThrottle,
    security_log: SecurityLog,
) -> TokenPairDTO:
    try:
        email: Email | None = Email.parse(command.email)
    except ValidationError:
        email = None
    # Before the lookup and the hash: a refused guess costs little and learns nothing.
    attempt = await login_throttle.admit(
        email.value if email else command.email, command.address_bucket
    )
    try:
        async with uow:
            user = await uow.users.get_by_email(email) if email else None
        # Verify outside the transaction (bcrypt is slow) and always verify, even for
        # an unknown email, so both failures cost the same time and look the same.
        verified = await hasher.verify(command.password, user.password_hash if user else None)
    except Exception:
        await attempt.abandoned()
        raise
    if user is None:
        security_log.record(
            SecurityEvent.LOGIN_FAILED,
            email=email.value if email else command.email,
            reason="unknown_account",
        )
        raise _invalid_credentials()  # admit() already counted it as a failure
    failed = LoginFailure(security_log, user.id_.value)
    if not verified:
        raise failed.because("wrong_password", _invalid_credentials())
    upgraded_hash = await _upgraded_hash(command.password, user.password_hash, hasher)
    async with uow:
        current = await uow.users.get_for_update(user.id_)
        # A password change that committed while we were hashing wins: the old
        # password must not open a session that survives the change.
        if current is None or current.password_hash != user.password_hash:
            raise failed.because("password_changed", _invalid_credentials())
        # Said only to whoever knows the password; the throttle counts it as a failure.
        if not current.is_active:
            raise failed.because(
                "account_disabled",
                AuthorizationError("This account is deactivated", code="ACCOUNT_DISABLED"),
            )
        if upgraded_hash is not None:
            current.upgrade_password_hash(upgraded_hash)
            await uow.users.update_password(current)
        pair = await tokens.issue(uow, current, client=command.client)
    await attempt.succeeded()
    security_log.record(SecurityEvent.LOGIN_SUCCEEDED, user_id=pair.user_id)
    return pair


class LoginFailure:
    """Records why a known account's sign-in failed, as the error is raised."""

    def __init__(self, security_log: SecurityLog, user_id: uuid.UUID) -> None:
        self._log, self._user_id = security_log, user_id

    def because(self, reason: str, error: DomainError) -> DomainError:
        self._log.record(SecurityEvent.LOGIN_FAILED, user_id=self._user_id, reason=reason)
        return error


async def _upgraded_hash(password: str, password_hash: str, hasher: PasswordHasher) -> str | None:
    """A hash at today's cost, when BCRYPT_ROUNDS was raised since this one was made.

    Otherwise old accounts would verify faster than the dummy hash of an unknown
    email, and the timing would tell them apart again.
    """
    if not hasher.needs_rehash(password_hash):
        return None
    try:
        secret = Password(password)
    except ValidationError:
        return None  # set under an older policy: it is replaced when the user changes it
    return await hasher.hash(secret)
