"""Issues access/refresh token pairs and authenticates access tokens.

Refresh tokens are opaque random strings; only their SHA-256 is stored, so a
leaked table cannot be replayed. Rotation and reuse detection live in the
RefreshToken handler; this service only mints and verifies.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

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
    ) -> None:
        self._codec = codec
        self._clock = clock
        self._access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl

    async def issue(
        self, uow: UnitOfWork, user: UserEntity, family_id: uuid.UUID | None = None
    ) -> TokenPairDTO:
        """Mint a pair; call inside `async with uow` so the refresh token is stored."""
        now = self._clock.now()
        access_token = self._codec.encode(
            AccessClaims(
                subject=user.id_.value,
                role=user.role,
                issued_at=now,
                expires_at=now + self._access_ttl,
            )
        )
        raw_refresh = secrets.token_urlsafe(REFRESH_TOKEN_BYTES)
        await uow.refresh_tokens.add(
            RefreshTokenEntity.issue(
                user_id=user.id_,
                family_id=family_id,
                token_hash=hash_refresh_token(raw_refresh),
                now=now,
                expires_at=now + self._refresh_ttl,
            )
        )
        return TokenPairDTO(
            user_id=user.id_.value,
            access_token=access_token,
            refresh_token=raw_refresh,
            expires_in=int(self._access_ttl.total_seconds()),
        )

    def authenticate(self, access_token: str) -> Principal:
        claims = self._codec.decode(access_token)
        return Principal(user_id=claims.subject)
