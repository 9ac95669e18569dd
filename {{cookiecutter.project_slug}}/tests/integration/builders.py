"""Entities and small database helpers shared by the integration tests."""

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.entities.user import UserEntity
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId
from app.infrastructure.config import DATABASE_DRIVER
from app.infrastructure.db.unit_of_work import SqlUnitOfWork


def now() -> datetime:
    return datetime.now(UTC)


def new_user(email: str = "alice@example.com", role: Role = Role.USER) -> UserEntity:
    return UserEntity.register(
        email=Email.parse(email),
        password_hash=f"hash-{secrets.token_hex(8)}",
        role=role,
        now=now(),
    )


def new_token(user_id: UserId, family_id: uuid.UUID | None = None) -> RefreshTokenEntity:
    issued = now()
    return RefreshTokenEntity.issue(
        user_id=user_id,
        family_id=family_id,
        token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        now=issued,
        expires_at=issued + timedelta(days=7),
    )


async def store_user(engine: Any, user: UserEntity | None = None) -> UserEntity:
    user = user or new_user()
    async with SqlUnitOfWork(engine) as uow:
        await uow.users.add(user)
    return user


async def store_tokens(engine: Any, *tokens: RefreshTokenEntity) -> None:
    async with SqlUnitOfWork(engine) as uow:
        for token in tokens:
            await uow.refresh_tokens.add(token)


async def load_token(engine: Any, token: RefreshTokenEntity) -> RefreshTokenEntity:
    async with SqlUnitOfWork(engine) as uow:
        loaded = await uow.refresh_tokens.get_by_hash(token.token_hash)
    assert loaded is not None
    return loaded


OTHER_DRIVER = "sqlite" if DATABASE_DRIVER == "postgresql" else "postgresql"
# What a DATABASE_URL for the driver this project was not generated for is refused with.
DRIVER_MISMATCH = {
    "sqlite": "DATABASE_URL is a PostgreSQL URL, but this project was generated for SQLite "
    "(db_driver=sqlite): use sqlite+aiosqlite:///./path.db",
    "postgresql": "DATABASE_URL is a SQLite URL, but this project was generated for PostgreSQL "
    "(db_driver=postgresql): use postgresql://user:password@host:5432/dbname",
}[DATABASE_DRIVER]


def url_with_secret(driver: str, secret: str) -> str:
    """A well-formed DATABASE_URL for ``driver`` holding ``secret``, which must never be echoed."""
    if driver == "postgresql":
        return f"postgresql://app:{secret}@127.0.0.1:1/app"
    return f"sqlite+aiosqlite:///./{secret}.db"
