"""The database under concurrent writers, and the integrity it enforces."""

import asyncio
from typing import Any

import pytest
from row_query import IntegrityError

from app.application.commands.register_user import RegisterUserCommand
from app.bootstrap import build_container
from app.domain.errors import ConflictError
from app.domain.value_objects.user_id import UserId
from app.infrastructure.config import Settings

from .builders import new_token, store_tokens

PARALLEL_REGISTRATIONS = 30
PASSWORD = "correct horse battery"
{%- if cookiecutter.db_driver == "sqlite" %}


async def test_sqlite_runs_with_wal_a_busy_timeout_and_foreign_keys(engine: Any) -> None:
    assert await engine.fetch_scalar("PRAGMA journal_mode") == "wal"
    assert await engine.fetch_scalar("PRAGMA foreign_keys") == 1
    assert await engine.fetch_scalar("PRAGMA busy_timeout") >= 1000
{%- endif %}


async def test_foreign_keys_are_enforced(engine: Any) -> None:
    with pytest.raises(IntegrityError):
        await store_tokens(engine, new_token(UserId.generate()))

    assert await engine.fetch_scalar("SELECT COUNT(*) FROM refresh_tokens") == 0


async def test_parallel_registrations_all_succeed(settings: Settings) -> None:
    # On SQLite this is the "database is locked" test: 30 writers at once.
    async with build_container(settings) as container:
        users = await asyncio.gather(
            *(
                container.command_bus.dispatch(
                    RegisterUserCommand(email=f"user{number}@example.com", password=PASSWORD)
                )
                for number in range(PARALLEL_REGISTRATIONS)
            )
        )

    assert len({user.id for user in users}) == PARALLEL_REGISTRATIONS


async def test_parallel_registrations_of_one_email_give_one_account(settings: Settings) -> None:
    async with build_container(settings) as container:
        outcomes = await asyncio.gather(
            *(
                container.command_bus.dispatch(
                    RegisterUserCommand(email="same@example.com", password=PASSWORD)
                )
                for _ in range(10)
            ),
            return_exceptions=True,
        )

    conflicts = [outcome for outcome in outcomes if isinstance(outcome, ConflictError)]
    assert len(conflicts) == 9, outcomes
    assert all(conflict.code == "EMAIL_TAKEN" for conflict in conflicts)
