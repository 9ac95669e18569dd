"""SQLite: a write waiting for another process's write lock is answered within the query timeout."""

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine
from app.infrastructure.db.database_url import parse_database_url

from .helpers import (
    PASSWORD,
    REGISTER,
    USERS,
    assert_envelope,
    client_for,
    new_email,
    running_app,
    signed_up,
)

QUERY_TIMEOUT = 1.0
# The bound is the timeout; the margin is for a loaded CI machine.
ANSWER_BOUND = QUERY_TIMEOUT + 3.0
# Without the bound a write waited out a 15 s busy timeout; the test stops waiting here.
LOCK_LIMIT = 10.0
# Another process (a backup, a maintenance script) takes the write lock and keeps it.
HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def write_lock_held(database: Path) -> Iterator[None]:
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdin is not None
        assert holder.stdout is not None
        try:
            assert holder.stdout.readline() == "locked\n"
            yield
        finally:
            holder.stdin.close()  # the holder's read ends, it exits, the lock goes with it
            holder.wait(timeout=LOCK_LIMIT)


async def _register(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(REGISTER, json={"email": new_email(), "password": PASSWORD})


async def test_a_write_behind_another_process_lock_gets_503_with_retry_after_within_the_bound(
    settings: Settings, database_url: str
) -> None:
    bounded = settings.model_copy(update={"database_query_timeout_seconds": QUERY_TIMEOUT})
    async with running_app(bounded) as app, client_for(app) as client:
        account = await signed_up(client)
        with write_lock_held(Path(parse_database_url(database_url).database)):
            started = time.monotonic()
            async with asyncio.timeout(LOCK_LIMIT):
                write = await _register(client)
            elapsed = time.monotonic() - started
            # Readers do not wait for writers (WAL).
            read = await client.get(f"{USERS}/{account.id}", headers=account.headers)
        after = await _register(client)

    error = assert_envelope(write, 503, "SERVICE_UNAVAILABLE")
    retry_after = int(write.headers["Retry-After"])
    assert retry_after >= 1
    assert error["details"] == {"retry_after_seconds": retry_after}
    assert elapsed < ANSWER_BOUND
    assert read.status_code == 200, read.text
    assert after.status_code == 201, after.text


async def test_transactions_whose_begin_times_out_give_their_connections_back(
    settings: Settings, database_url: str
) -> None:
    engine = create_engine(
        settings.model_copy(
            update={"database_query_timeout_seconds": QUERY_TIMEOUT, "database_pool_size": 2}
        )
    )

    async def begin() -> None:
        async with asyncio.timeout(LOCK_LIMIT), engine.transaction():
            pass

    try:
        with write_lock_held(Path(parse_database_url(database_url).database)):
            # Queued behind the first two, the others reach BEGIN with part of their budget
            # spent: their deadline falls while BEGIN IMMEDIATE waits for the lock.
            during = await asyncio.gather(*(begin() for _ in range(6)), return_exceptions=True)
        started = time.monotonic()
        async with asyncio.timeout(LOCK_LIMIT):
            for _ in range(3):
                await begin()
        elapsed = time.monotonic() - started
    finally:
        await engine.close()

    assert all(isinstance(outcome, Exception) for outcome in during), during
    # A slot lost for good would leave every later transaction timing out.
    assert elapsed < ANSWER_BOUND
