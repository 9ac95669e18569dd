import uuid

from app.application.bus.command_bus import command_handler
from app.application.commands.refresh_token import RefreshTokenCommand
from app.application.dto.token_pair import TokenPairDTO
from app.application.ports.security_log import SecurityEvent, SecurityLog
from app.application.services.refresh_throttle import RefreshThrottle
from app.application.services.token_service import TokenService, hash_refresh_token
from app.application.unit_of_work import UnitOfWork
from app.domain.errors import AuthenticationError
from app.domain.services.clock import Clock


def _invalid() -> AuthenticationError:
    return AuthenticationError("Invalid or expired refresh token", code="INVALID_REFRESH_TOKEN")


@command_handler(RefreshTokenCommand)
async def handle_refresh_token(
    command: RefreshTokenCommand,
    uow: UnitOfWork,
    tokens: TokenService,
    clock: Clock,
    refresh_throttle: RefreshThrottle,
    security_log: SecurityLog,
) -> TokenPairDTO:
    now = clock.now()
    token_hash = hash_refresh_token(command.refresh_token)
    attempt = await refresh_throttle.admit(command.address_bucket)
    try:
        async with uow:
            found = await uow.refresh_tokens.get_by_hash(token_hash)
    except Exception:
        await attempt.abandoned()
        raise
    if found is None:
        security_log.record(SecurityEvent.REFRESH_REFUSED, reason="unknown_token")
        raise _invalid()  # admit() already counted it as a failure of this address
    refused = RefreshRefusal(security_log, found.user_id.value, found.family_id)
    if tokens.session_ended(found, now):
        raise refused.because("session_ended")
    if found.is_expired(now):
        raise refused.because("expired")
    await attempt.found(found.family_id)
    pair: TokenPairDTO | None = None
    revoked_only = False
    async with uow:
        user = await uow.users.get_for_update(found.user_id)
        # Read again under the user's lock: a logout or password change may have
        # committed since the first read.
        token = await uow.refresh_tokens.get_by_hash(token_hash)
        # A deactivated account's tokens were revoked with it; this holds for any left.
        if user is None or token is None or not user.is_active:
            raise refused.because("account_or_session_gone")
        # A token that was already rotated is being replayed (or raced): the
        # chain is compromised, so every token of this login stops working.
        if token.was_redeemed_or_revoked or not await uow.refresh_tokens.mark_used(token.id_, now):
            await uow.refresh_tokens.revoke_family(token.family_id, now)
            # Revoked but never redeemed: a client retrying after a logout or a password
            # change, not a replay.
            revoked_only = token.used_at is None and token.revoked_at is not None
        else:
            pair = await tokens.issue(uow, user, rotated=token, client=command.client)
    # Raised after the block so the family revocation above is committed.
    if pair is None:
        if revoked_only:
            raise refused.because("session_revoked")
        raise refused.because("reused", event=SecurityEvent.REFRESH_TOKEN_REUSED)
    security_log.record(
        SecurityEvent.TOKEN_REFRESHED, user_id=pair.user_id, session_id=found.family_id
    )
    return pair


class RefreshRefusal:
    """Records why a refresh token that was found did not refresh, as the error is raised."""

    def __init__(self, security_log: SecurityLog, user_id: uuid.UUID, session: uuid.UUID) -> None:
        self._log, self._user_id, self._session = security_log, user_id, session

    def because(
        self, reason: str, *, event: SecurityEvent = SecurityEvent.REFRESH_REFUSED
    ) -> AuthenticationError:
        self._log.record(event, user_id=self._user_id, session_id=self._session, reason=reason)
        return _invalid()
