"""PostgreSQL faults the service rides out, against a private server it can freeze and restart.

The shared test server is never touched: other tests run against it. Requests go
through the real app (its lifespan, middleware, pipeline and error handlers).
"""

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from postgres_server import (
    PostgresServer,
    PostgresUnavailableError,
    frozen,
    remove_server,
    restart_server,
    start_server,
)
from psycopg.rows import TupleRow
from pydantic import SecretStr

from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine
from app.infrastructure.db.database_url import parse_database_url
from app.infrastructure.db.migrate import apply_migrations
from app.infrastructure.db.postgresql_connection import (
    PostgresqlConnectionManager,
    libpq_parameters,
)
from app.infrastructure.errors import DatabaseTimeoutError

from .helpers import (
    PASSWORD,
    REGISTER,
    USERS,
    Account,
    assert_envelope,
    client_for,
    new_email,
    running_app,
    signed_up,
)

QUERY_TIMEOUT = 1.0
# Generous: the bound is the timeout, the margin is for a loaded CI machine.
ANSWER_BOUND = QUERY_TIMEOUT + 3.0
# Today's code waits as long as the freeze lasts; the test stops waiting here.
FREEZE_LIMIT = 10.0
POOL_SIZE = 6
POLL_SECONDS = 0.02
READY = "/health/ready"


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    try:
        private = start_server()
    except PostgresUnavailableError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no PostgreSQL binaries for the fault tests: {error}")
        pytest.skip(f"no PostgreSQL binaries for the fault tests: {error}")
    try:
        apply_migrations(private.url)
        yield private
    finally:
        remove_server(private)


@pytest.fixture
def fault_settings(settings: Settings, server: PostgresServer) -> Settings:
    _run(server.url, "TRUNCATE users, refresh_tokens CASCADE")
    return settings.model_copy(
        update={
            "database_url": SecretStr(server.url),
            "database_pool_size": POOL_SIZE,
            "database_query_timeout_seconds": QUERY_TIMEOUT,
        }
    )


def _connect(url: str) -> psycopg.Connection[TupleRow]:
    return psycopg.connect(**libpq_parameters(parse_database_url(url)), autocommit=True)


def _run(url: str, sql: str, params: tuple[object, ...] = ()) -> list[TupleRow]:
    with _connect(url) as connection:
        cursor = connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _app_backends(url: str) -> int:
    rows = _run(
        url,
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        " AND pid <> pg_backend_pid()",
    )
    return int(rows[0][0])


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Account]]:
    async with running_app(settings) as app, client_for(app) as client:
        yield app, client, await signed_up(client)


async def _read(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await client.get(f"{USERS}/{account.id}", headers=account.headers)


async def _register(client: httpx.AsyncClient, email: str | None = None) -> httpx.Response:
    return await client.post(REGISTER, json={"email": email or new_email(), "password": PASSWORD})


async def _fill_the_pool(client: httpx.AsyncClient, account: Account, url: str) -> None:
    warm = await asyncio.gather(*(_read(client, account) for _ in range(POOL_SIZE)))
    assert [response.status_code for response in warm] == [200] * POOL_SIZE
    # Several pooled connections, so that a restart leaves several stale ones behind.
    assert _app_backends(url) >= 2


def _assert_retry_later(response: httpx.Response) -> None:
    error = assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert error["details"] == {"retry_after_seconds": retry_after}


async def test_a_frozen_server_gets_503_with_retry_after_within_the_bound_then_recovers(
    fault_settings: Settings, server: PostgresServer
) -> None:
    async with serving(fault_settings) as (_, client, account):
        await _fill_the_pool(client, account, server.url)
        with frozen(server):
            started = time.monotonic()
            async with asyncio.timeout(FREEZE_LIMIT):
                answers = await asyncio.gather(
                    _read(client, account), _read(client, account), _register(client)
                )
            elapsed = time.monotonic() - started
        for response in answers:
            _assert_retry_later(response)
        assert elapsed < ANSWER_BOUND

        # The connections that timed out were thrown away: none is handed out again.
        after = [await _read(client, account) for _ in range(POOL_SIZE)]
        after += await asyncio.gather(*(_read(client, account) for _ in range(POOL_SIZE)))
        after.append(await _register(client))
    assert [response.status_code for response in after] == [200] * 2 * POOL_SIZE + [201]


async def test_transactions_whose_begin_times_out_give_their_connections_back(
    fault_settings: Settings, server: PostgresServer
) -> None:
    engine = create_engine(fault_settings.model_copy(update={"database_pool_size": 2}))

    async def begin() -> None:
        async with asyncio.timeout(FREEZE_LIMIT), engine.transaction():
            pass

    try:
        await asyncio.gather(begin(), begin())  # both pooled connections open
        with frozen(server):
            during = await asyncio.gather(begin(), begin(), return_exceptions=True)
        started = time.monotonic()
        async with asyncio.timeout(FREEZE_LIMIT):
            for _ in range(3):
                await begin()
        elapsed = time.monotonic() - started
    finally:
        await engine.close()

    assert [type(outcome) for outcome in during] == [DatabaseTimeoutError] * 2, during
    # A slot lost for good would leave every later transaction timing out.
    assert elapsed < ANSWER_BOUND


async def test_shutdown_is_bounded_while_the_server_is_frozen(
    fault_settings: Settings, server: PostgresServer
) -> None:
    async with AsyncExitStack() as app_running:
        _, client, account = await app_running.enter_async_context(serving(fault_settings))
        with frozen(server):
            # In flight while the app stops, on a pooled connection to the frozen server.
            pending = asyncio.create_task(_read(client, account))
            await asyncio.sleep(QUERY_TIMEOUT / 4)
            started = time.monotonic()
            async with asyncio.timeout(FREEZE_LIMIT):
                await app_running.aclose()  # the lifespan's shutdown: the pool closes
                response = await pending
            elapsed = time.monotonic() - started
    _assert_retry_later(response)
    assert elapsed < ANSWER_BOUND


async def test_reads_after_a_server_restart_never_fail(
    fault_settings: Settings, server: PostgresServer
) -> None:
    async with serving(fault_settings) as (_, client, account):
        await _fill_the_pool(client, account, server.url)
        await asyncio.to_thread(restart_server, server)

        answers = [await _read(client, account) for _ in range(3)]
        answers += await asyncio.gather(*(_read(client, account) for _ in range(POOL_SIZE)))
    assert [response.status_code for response in answers] == [200] * (3 + POOL_SIZE)


async def test_readiness_after_a_server_restart_answers_200_at_once(
    fault_settings: Settings, server: PostgresServer
) -> None:
    async with serving(fault_settings) as (_, client, account):
        await _fill_the_pool(client, account, server.url)
        await asyncio.to_thread(restart_server, server)

        answers = [await client.get(READY)]
        answers += await asyncio.gather(*(client.get(READY) for _ in range(POOL_SIZE)))
    assert [response.status_code for response in answers] == [200] * (1 + POOL_SIZE)


async def test_writes_whose_begin_meets_a_dead_connection_run_on_a_fresh_one(
    fault_settings: Settings, server: PostgresServer
) -> None:
    async with serving(fault_settings) as (_, client, account):
        await _fill_the_pool(client, account, server.url)
        await asyncio.to_thread(restart_server, server)

        answers = await asyncio.gather(*(_register(client) for _ in range(POOL_SIZE)))
    assert [response.status_code for response in answers] == [201] * POOL_SIZE


def _lock_waiter(url: str) -> int:
    """The backend of the app's statement that waits for the test's lock."""
    deadline = time.monotonic() + FREEZE_LIMIT
    while time.monotonic() < deadline:
        rows = _run(url, "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        if rows:
            return int(rows[0][0])
        time.sleep(POLL_SECONDS)
    raise AssertionError("the write never waited for the lock")


def _terminate(url: str, pid: int) -> None:
    _run(url, "SELECT pg_terminate_backend(%s)", (pid,))
    deadline = time.monotonic() + FREEZE_LIMIT
    while _run(url, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)):
        assert time.monotonic() < deadline, "the terminated backend lingers"
        time.sleep(POLL_SECONDS)


async def test_a_write_whose_connection_breaks_is_not_retried(
    fault_settings: Settings, server: PostgresServer
) -> None:
    # Long enough that the write is still waiting when the test breaks its connection.
    patient = fault_settings.model_copy(update={"database_query_timeout_seconds": 10.0})
    email = new_email("once")
    async with serving(patient) as (_, client, _account):
        with _connect(server.url) as blocker:
            with blocker.transaction():
                blocker.execute("LOCK TABLE users IN EXCLUSIVE MODE")
                write = asyncio.create_task(_register(client, email))
                pid = await asyncio.to_thread(_lock_waiter, server.url)
                await asyncio.to_thread(_terminate, server.url, pid)
            # The lock is gone now: a retried INSERT would go through.
            response = await write
        stored = _run(server.url, "SELECT count(*) FROM users WHERE email = %s", (email,))
        again = await _register(client, email)

    _assert_retry_later(response)
    assert stored == [(0,)]
    assert again.status_code == 201, again.text


SERVER_TIMEOUTS = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
TCP_OPTIONS = {
    "on": (socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    "idle": (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
    "interval": (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
    "count": (socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
    "user_timeout": (socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
}


async def test_the_server_enforces_the_timeouts_and_the_url_keeps_the_last_word(
    server: PostgresServer,
) -> None:
    url = f"{server.url}?options=-c%20lock_timeout%3D250&keepalives_idle=7"
    manager = PostgresqlConnectionManager(parse_database_url(url), QUERY_TIMEOUT)
    try:
        async with manager.get_connection() as connection:
            shown = {}
            for setting in SERVER_TIMEOUTS:
                row = await (await connection.execute(f"SHOW {setting}")).fetchone()
                shown[setting] = row[setting]
            with socket.socket(fileno=os.dup(connection.pgconn.socket)) as sock:
                keepalive = {name: sock.getsockopt(*option) for name, option in TCP_OPTIONS.items()}
    finally:
        await manager.close_pool()

    assert shown == {
        "statement_timeout": "1s",
        "lock_timeout": "250ms",  # DATABASE_URL's own options win
        "idle_in_transaction_session_timeout": "1s",
    }
    assert keepalive == {"idle": 7, "interval": 10, "count": 3, "user_timeout": 30_000, "on": 1}
