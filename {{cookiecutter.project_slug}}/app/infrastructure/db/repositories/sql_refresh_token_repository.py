import uuid
from datetime import datetime
from typing import Any

from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.interfaces.refresh_token_repository import RefreshTokenRepository
from app.domain.value_objects.user_id import UserId
from app.infrastructure.db.column_types import (
    optional_datetime,
    timestamp,
    to_datetime,
    to_uuid,
)


class SqlRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, executor: Any) -> None:
        self._executor = executor

    async def add(self, token: RefreshTokenEntity) -> None:
        await self._executor.execute(
            "refresh_tokens.insert",
            {
                "id": str(token.id_),
                "user_id": str(token.user_id),
                "family_id": str(token.family_id),
                "token_hash": token.token_hash,
                "session_started_at": timestamp(token.session_started_at),
                "issued_at": timestamp(token.issued_at),
                "expires_at": timestamp(token.expires_at),
                "client": token.client,
            },
        )

    async def get_by_hash(self, token_hash: str) -> RefreshTokenEntity | None:
        row = await self._executor.fetch_one(
            "refresh_tokens.get_by_hash", {"token_hash": token_hash}
        )
        return _to_entity(row) if row else None

    async def mark_used(self, token_id: uuid.UUID, at: datetime) -> bool:
        # Conditional update: under concurrency only one redeemer sees a row change.
        changed: int = await self._executor.execute(
            "refresh_tokens.mark_used", {"id": str(token_id), "used_at": timestamp(at)}
        )
        return changed == 1

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> None:
        await self._executor.execute(
            "refresh_tokens.revoke_family",
            {"family_id": str(family_id), "revoked_at": timestamp(at)},
        )

    async def revoke_all_for_user(self, user_id: UserId, at: datetime) -> None:
        await self._executor.execute(
            "refresh_tokens.revoke_all_for_user",
            {"user_id": str(user_id), "revoked_at": timestamp(at)},
        )

    async def end_session(self, user_id: UserId, family_id: uuid.UUID, at: datetime) -> bool:
        ended: int = await self._executor.execute(
            "refresh_tokens.end_session",
            {"user_id": str(user_id), "family_id": str(family_id), "revoked_at": timestamp(at)},
        )
        return ended >= 1

    async def end_other_sessions(
        self, user_id: UserId, keep_family_id: uuid.UUID | None, at: datetime
    ) -> None:
        if keep_family_id is None:
            await self.revoke_all_for_user(user_id, at)
            return
        await self._executor.execute(
            "refresh_tokens.end_other_sessions",
            {
                "user_id": str(user_id),
                "keep_family_id": str(keep_family_id),
                "revoked_at": timestamp(at),
            },
        )

    async def end_sessions_beyond(
        self, user_id: UserId, keep: int, new_family_id: uuid.UUID, at: datetime
    ) -> None:
        await self._executor.execute(
            "refresh_tokens.end_sessions_beyond",
            {
                "user_id": str(user_id),
                "new_family_id": str(new_family_id),
                "others": keep - 1,
                "revoked_at": timestamp(at),
            },
        )

    async def has_live_session(self, user_id: UserId, family_id: uuid.UUID, now: datetime) -> bool:
        row = await self._executor.fetch_one(
            "refresh_tokens.has_live_session",
            {"user_id": str(user_id), "family_id": str(family_id), "now": timestamp(now)},
        )
        return row is not None

    async def revoke_all(self, at: datetime) -> int:
        revoked: int = await self._executor.execute(
            "refresh_tokens.revoke_all", {"revoked_at": timestamp(at)}
        )
        return revoked

    async def delete_expired(self, now: datetime) -> int:
        deleted: int = await self._executor.execute(
            "refresh_tokens.delete_expired", {"now": timestamp(now)}
        )
        return deleted


def _to_entity(row: dict[str, Any]) -> RefreshTokenEntity:
    return RefreshTokenEntity(
        id_=to_uuid(row["id"]),
        user_id=UserId(to_uuid(row["user_id"])),
        family_id=to_uuid(row["family_id"]),
        token_hash=row["token_hash"],
        session_started_at=to_datetime(row["session_started_at"]),
        issued_at=to_datetime(row["issued_at"]),
        expires_at=to_datetime(row["expires_at"]),
        used_at=optional_datetime(row["used_at"]),
        revoked_at=optional_datetime(row["revoked_at"]),
        client=row["client"],
    )
