"""What the pool does to a connection coming back, on real connections to the test
database: one with nothing to undo is kept as it is, one in a transaction is rolled back
first, and one abandoned at its deadline is closed instead of lent again."""

from collections.abc import AsyncIterator

import pytest

from app.infrastructure.config import Settings
from app.infrastructure.db.database_url import parse_database_url
{%- if cookiecutter.db_driver == "sqlite" %}
from app.infrastructure.db.sqlite_connection import SqliteConnectionManager as ConnectionManager
{%- else %}
from app.infrastructure.db.postgresql_connection import (
    PostgresqlConnectionManager as ConnectionManager,
)
{%- endif %}


@pytest.fixture
async def manager(settings: Settings) -> AsyncIterator[ConnectionManager]:
    config = parse_database_url(
        settings.database_url.get_secret_value(), pool_size=1, pool_timeout=1.0
    )
    manager = ConnectionManager(config, settings.database_query_timeout_seconds)
    try:
        yield manager
    finally:
        await manager.close_pool()


@pytest.mark.parametrize(
    ("in_transaction", "rollbacks"),
    [(False, 0), (True, 1)],
    ids=["after-a-plain-read", "inside-a-transaction"],
)
async def test_a_returned_connection_is_rolled_back_only_when_it_holds_a_transaction(
    manager: ConnectionManager, in_transaction: bool, rollbacks: int
) -> None:
    connection = await manager.acquire()
    if in_transaction:
        await manager.adapter.begin_async(connection)
    await manager.adapter.execute_async(connection, "SELECT 1", ())
    calls: list[None] = []
    rollback = connection.rollback

    async def counted_rollback() -> None:
        calls.append(None)
        await rollback()

    connection.rollback = counted_rollback
    await manager.release(connection)
    again = await manager.acquire()
    await manager.release(again)

    assert again is connection  # lent again, not replaced
    assert len(calls) == rollbacks  # the second release had nothing to undo


async def test_a_connection_abandoned_at_its_deadline_is_closed_not_lent_again(
    manager: ConnectionManager,
) -> None:
    connection = await manager.acquire()
    manager.adapter.abandon(connection)
    await manager.release(connection)

    fresh = await manager.acquire()
    await manager.adapter.execute_async(fresh, "SELECT 1", ())
    await manager.release(fresh)

    assert fresh is not connection
