"""A refresh token: one link in a login's rotation chain (its family).

Every link of a chain carries the moment its login happened (`session_started_at`),
so a session's absolute lifetime is known without reading the rest of the chain, and
the client that last used it, for the user's list of sessions.
"""

import uuid
from datetime import datetime

from app.domain.entities.base import Entity
from app.domain.value_objects.user_id import UserId


class RefreshTokenEntity(Entity[uuid.UUID]):
    def __init__(
        self,
        *,
        id_: uuid.UUID,
        user_id: UserId,
        family_id: uuid.UUID,
        token_hash: str,
        session_started_at: datetime,
        issued_at: datetime,
        expires_at: datetime,
        used_at: datetime | None = None,
        revoked_at: datetime | None = None,
        client: str = "",
    ) -> None:
        super().__init__(id_=id_)
        self.user_id = user_id
        self.family_id = family_id
        self.token_hash = token_hash
        self.session_started_at = session_started_at
        self.issued_at = issued_at
        self.expires_at = expires_at
        self.used_at = used_at
        self.revoked_at = revoked_at
        self.client = client

    @classmethod
    def issue(
        cls,
        *,
        user_id: UserId,
        family_id: uuid.UUID | None,
        token_hash: str,
        now: datetime,
        expires_at: datetime,
        session_started_at: datetime | None = None,
        client: str = "",
    ) -> "RefreshTokenEntity":
        """A new login's first token, or (with `family_id`) the next link of a chain."""
        return cls(
            id_=uuid.uuid4(),
            user_id=user_id,
            family_id=family_id or uuid.uuid4(),
            token_hash=token_hash,
            session_started_at=session_started_at or now,
            issued_at=now,
            expires_at=expires_at,
            client=client,
        )

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def was_redeemed_or_revoked(self) -> bool:
        """A token that was already rotated or revoked must never work again."""
        return self.used_at is not None or self.revoked_at is not None
