from typing import Any

from row_query import IntegrityError

from app.domain.entities.user import UserEntity
from app.domain.errors import ConflictError
from app.domain.interfaces.user_repository import UserRepository
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId
from app.infrastructure.db.aggregate_tracker import AggregateTracker
from app.infrastructure.db.column_types import timestamp, to_datetime, to_uuid


class SqlUserRepository(UserRepository):
    """Users over named SQL; `executor` is the unit of work's open transaction.

    Every user it stores or hands out goes to `tracker`, whose events the unit of
    work writes to the outbox when it commits.
    """

    def __init__(self, executor: Any, tracker: AggregateTracker) -> None:
        self._executor = executor
        self._tracker = tracker

    async def add(self, user: UserEntity) -> None:
        try:
            await self._executor.execute(
                "users.insert",
                {
                    "id": str(user.id_),
                    "email": user.email.value,
                    "password_hash": user.password_hash,
                    "role": user.role.value,
                    "is_active": user.is_active,
                    "created_at": timestamp(user.created_at),
                },
            )
        except IntegrityError as error:
            # Only the unique email index means "taken"; any other violation is a bug.
            if "email" not in str(error).lower():
                raise
            raise ConflictError(
                "An account with this email already exists", code="EMAIL_TAKEN"
            ) from None
        # Only once stored: a refused user's events must not reach the outbox, even when
        # the caller carries on in the same transaction.
        self._tracker.track(user)

    async def get(self, user_id: UserId) -> UserEntity | None:
        row = await self._executor.fetch_one("users.load_by_id", {"id": str(user_id)})
        return self._tracked(row)

    async def get_for_update(self, user_id: UserId) -> UserEntity | None:
        row = await self._executor.fetch_one("users.lock_by_id", {"id": str(user_id)})
        return self._tracked(row)

    async def get_by_email(self, email: Email) -> UserEntity | None:
        row = await self._executor.fetch_one("users.load_by_email", {"email": email.value})
        return self._tracked(row)

    async def update_password(self, user: UserEntity) -> None:
        await self._executor.execute(
            "users.update_password",
            {"id": str(user.id_), "password_hash": user.password_hash},
        )

    async def update_access(self, user: UserEntity) -> None:
        await self._executor.execute(
            "users.update_access",
            {"id": str(user.id_), "role": user.role.value, "is_active": user.is_active},
        )

    async def lock_all(self) -> int:
        count = await self._executor.fetch_scalar("users.lock_all")
        return int(count or 0)

    async def lock_active_admins(self) -> int:
        count = await self._executor.fetch_scalar("users.lock_active_admins")
        return int(count or 0)

    def _tracked(self, row: dict[str, Any] | None) -> UserEntity | None:
        if row is None:
            return None
        user = _to_entity(row)
        self._tracker.track(user)
        return user


def _to_entity(row: dict[str, Any]) -> UserEntity:
    return UserEntity(
        id_=UserId(to_uuid(row["id"])),
        email=Email(row["email"]),
        password_hash=row["password_hash"],
        role=Role(row["role"]),
        created_at=to_datetime(row["created_at"]),
        # SQLite has no boolean: 0 or 1.
        is_active=bool(row["is_active"]),
    )
