"""DATABASE_QUERY_TIMEOUT_SECONDS bounds each engine call and each whole transaction."""

import asyncio
{%- if cookiecutter.db_driver == "postgresql" %}
import random
{%- endif %}
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
{%- if cookiecutter.db_driver == "postgresql" %}
from pydantic import SecretStr
{%- endif %}

from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine
from app.infrastructure.errors import DatabaseTimeoutError, is_transient

TIMEOUT = 0.5
# The bound is the timeout; the margin is for a loaded CI machine.
BOUND = TIMEOUT + 2.5
# Without the timeout these would wait far longer; the test stops waiting here.
LIMIT = 10.0
{%- if cookiecutter.db_driver == "postgresql" %}
SLOW_STATEMENT = "SELECT pg_sleep(30)"
{%- else %}
# Counts to fifty million in SQLite's virtual machine: tens of seconds of CPU.
SLOW_STATEMENT = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000)"
    " SELECT count(*) FROM n"
)
{%- endif %}


@pytest.fixture
async def bounded_engine(settings: Settings) -> AsyncIterator[Any]:
    # One connection: the next call can only work if the timed-out one was replaced.
    engine = create_engine(
        settings.model_copy(
            update={"database_query_timeout_seconds": TIMEOUT, "database_pool_size": 1}
        )
    )
    try:
        yield engine
    finally:
        await engine.close()


async def test_a_statement_past_the_timeout_is_given_up_and_its_connection_replaced(
    bounded_engine: Any,
) -> None:
    async def slow_statement() -> None:
        async with asyncio.timeout(LIMIT), bounded_engine.transaction() as tx:
{%- if cookiecutter.db_driver == "postgresql" %}
            # Leaves the deadline on the client as the only bound: the server's own
            # statement_timeout would cancel the statement at about the same moment.
            await tx.execute("SET LOCAL statement_timeout = 0")
{%- endif %}
            await tx.fetch_scalar(SLOW_STATEMENT)

    started = time.monotonic()
    with pytest.raises(DatabaseTimeoutError) as caught:
        await slow_statement()
    elapsed = time.monotonic() - started

    assert is_transient(caught.value)
    assert elapsed < BOUND
    async with asyncio.timeout(BOUND):
        assert await bounded_engine.fetch_scalar("SELECT 1") == 1


async def test_a_transaction_is_one_operation_and_rolls_back_past_the_timeout(
    bounded_engine: Any,
) -> None:
    await bounded_engine.execute("CREATE TABLE IF NOT EXISTS deadline_probe (n INTEGER)")

    async def dawdling_transaction() -> None:
        async with bounded_engine.transaction() as tx:
            await tx.execute("INSERT INTO deadline_probe (n) VALUES (1)")
            # Each statement is quick; the transaction as a whole is not.
            await asyncio.sleep(TIMEOUT * 2)
            await tx.execute("INSERT INTO deadline_probe (n) VALUES (2)")

    with pytest.raises(DatabaseTimeoutError):
        await dawdling_transaction()

    async with asyncio.timeout(BOUND):
        # Rolled back, and its lock is gone: another write goes through at once.
        assert await bounded_engine.fetch_scalar("SELECT count(*) FROM deadline_probe") == 0
        await bounded_engine.execute("INSERT INTO deadline_probe (n) VALUES (3)")


async def test_the_wait_for_a_pooled_connection_counts_against_the_timeout(
    bounded_engine: Any,
) -> None:
    async def read_while_the_only_connection_is_taken() -> None:
        async with bounded_engine.transaction():
            await bounded_engine.fetch_scalar("SELECT 1")

    started = time.monotonic()
    with pytest.raises(DatabaseTimeoutError):
        await read_while_the_only_connection_is_taken()
    # The pool alone would wait DATABASE_POOL_TIMEOUT_SECONDS (5 s by default) for it.
    assert time.monotonic() - started < BOUND
{%- if cookiecutter.db_driver == "postgresql" %}


# PostgreSQL only: on SQLite a burst of timeouts while connections are being opened can
# leave an aiosqlite connection to the garbage collector (seen once under load).


async def test_no_operation_queued_for_a_connection_outlives_the_timeout(
    settings: Settings,
) -> None:
    # Python 3.11's wait_for, inside the pool, drops a cancel that lands as a slot frees;
    # a deadline that counted on that cancel left its operation without any bound.
    url = settings.database_url.get_secret_value()
    # Without the server's own timeouts, an unbounded statement sleeps its full 30 s.
    separator = "&" if "?" in url else "?"
    url += f"{separator}options=-c%20statement_timeout%3D0%20-c%20lock_timeout%3D0"
    engine = create_engine(
        settings.model_copy(
            update={
                "database_url": SecretStr(url),
                "database_query_timeout_seconds": TIMEOUT,
                "database_pool_size": 3,
            }
        )
    )

    async def slow_operation() -> float:
        # Starts a few milliseconds apart: some deadlines fall just as a slot frees.
        await asyncio.sleep(random.random() * 0.005)
        started = time.monotonic()
        with pytest.raises(DatabaseTimeoutError):
            async with asyncio.timeout(LIMIT):
                await engine.fetch_scalar(SLOW_STATEMENT)
        return time.monotonic() - started

    try:
        elapsed: list[float] = []
        for _ in range(4):
            elapsed += await asyncio.gather(*(slow_operation() for _ in range(30)))
    finally:
        await engine.close()
    assert max(elapsed) < BOUND
{%- endif %}
