"""Persistence contract for refresh tokens (stored only as hashes)."""

import uuid
from abc import ABC, abstractmethod
from datetime import datetime

from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.value_objects.user_id import UserId


class RefreshTokenRepository(ABC):
    @abstractmethod
    async def add(self, token: RefreshTokenEntity) -> None: ...

    @abstractmethod
    async def get_by_hash(self, token_hash: str) -> RefreshTokenEntity | None: ...

    @abstractmethod
    async def mark_used(self, token_id: uuid.UUID, at: datetime) -> bool:
        """Redeem a token atomically: True for exactly one caller, never twice."""

    @abstractmethod
    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> None: ...

    @abstractmethod
    async def revoke_all_for_user(self, user_id: UserId, at: datetime) -> None: ...

    @abstractmethod
    async def end_session(self, user_id: UserId, family_id: uuid.UUID, at: datetime) -> bool:
        """Revoke the session's live token; False when `user_id` has no such live session."""

    @abstractmethod
    async def end_other_sessions(
        self, user_id: UserId, keep_family_id: uuid.UUID | None, at: datetime
    ) -> None:
        """Revoke every session of the user but `keep_family_id` (all, when it is None)."""

    @abstractmethod
    async def end_sessions_beyond(
        self, user_id: UserId, keep: int, new_family_id: uuid.UUID, at: datetime
    ) -> None:
        """Revoke the user's live sessions but `new_family_id` and the `keep - 1` most
        recently started others."""

    @abstractmethod
    async def has_live_session(self, user_id: UserId, family_id: uuid.UUID, now: datetime) -> bool:
        """Whether the session `family_id` of the user can still refresh."""

    @abstractmethod
    async def revoke_all(self, at: datetime) -> int:
        """Revoke every live token of every user; return how many."""

    @abstractmethod
    async def delete_expired(self, now: datetime) -> int:
        """Delete tokens that expired before `now`; return how many."""
