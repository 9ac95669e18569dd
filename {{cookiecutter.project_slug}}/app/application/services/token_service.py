"""Issues access/refresh token pairs and authenticates access tokens.

Refresh tokens are opaque random strings; only their SHA-256 is stored, so a
leaked table cannot be replayed. Rotation and reuse detection live in the
RefreshToken handler; this service mints and verifies, and keeps a login within the cap.

A session (a login and every token rotated from it) ends for good `session_lifetime`
after the login: each refresh token expires after `refresh_ttl` idle, or then,
whichever comes first. With `max_sessions`, a login past that many live sessions of
the account ends the oldest.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from app.application.dto.principal import Principal
from app.application.dto.token_pair import TokenPairDTO
from app.application.services.access_token_codec import AccessClaims, AccessTokenCodec
from app.application.unit_of_work import UnitOfWork
from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.entities.user import UserEntity
from app.domain.services.clock import Clock

REFRESH_TOKEN_BYTES = 32


def hash_refresh_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenService:
    def __init__(
        self,
        *,
        codec: AccessTokenCodec,
        clock: Clock,
        access_ttl: timedelta,
        refresh_ttl: timedelta,
        session_lifetime: timedelta,
        max_sessions: int = 0,
    ) -> None:
        self._codec = codec
        self._clock = clock
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl
        self._session_lifetime = session_lifetime
        self._max_sessions = max_sessions

    async def issue(
        self,
        uow: UnitOfWork,
        user: UserEntity,
        rotated: RefreshTokenEntity | None = None,
        client: str = "",
    ) -> TokenPairDTO:
        """Mint a pair for a login, or for the session of the `rotated` token.

        Call inside `async with uow` so the refresh token is stored.
        """
        now = self._clock.now()
        started = now if rotated is None else rotated.session_started_at
        raw_refresh = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
        token = RefreshTokenEntity.issue(
            user_id=user.id_,
            family_id=None if rotated is None else rotated.family_id,
            token_hash=hash_refresh_token(raw_refresh),
            now=now,
            expires_at=min(now + self._refresh_ttl, started + self._session_lifetime),
            session_started_at=started,
            client=client,
        )
        await uow.refresh_tokens.add(token)
        if rotated is None and self._max_sessions:
            await uow.refresh_tokens.end_sessions_beyond(
                user.id_, self._max_sessions, token.family_id, now
            )
        access_token = self._codec.encode(
            AccessClaims(
                subject=user.id_.value,
                role=user.role,
                issued_at=now,
                expires_at=now + self._access_ttl,
                session_id=token.family_id,
            )
        )
        return TokenPairDTO(
            user_id=user.id_.value,
            access_token=access_token,
            refresh_token=raw_refresh,
            expires_in=int(self._access_ttl.total_seconds()),
        )

    def session_ended(self, token: RefreshTokenEntity, now: datetime) -> bool:
        """Whether the login `token` belongs to is past its absolute lifetime.

        Tokens are issued to expire by then; this catches those issued before the
        lifetime was shortened, or before sessions had one.
        """
        return now >= token.session_started_at + self._session_lifetime

    def authenticate(self, access_token: str) -> Principal:
        claims = self._codec.decode(access_token)
        return Principal(user_id=claims.subject, session_id=claims.session_id)
