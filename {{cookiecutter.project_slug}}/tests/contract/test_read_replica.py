"""Queries on a real streaming replica: a hot standby of a private primary.

The pair is started once for this module (tests/postgres_replica.py). Pausing
replay on the standby (pg_wal_replay_pause) holds it at a point before the test's
writes, which makes the route a read takes visible: a row the primary has is
missing on the replica until replay resumes. Requests go through the real app.
"""

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from postgres_replica import start_standby
from postgres_server import (
    PostgresServer,
    PostgresUnavailableError,
    frozen,
    remove_server,
    run,
    start_cluster,
    start_server,
    stop_command,
)
from psycopg.rows import TupleRow
from pydantic import SecretStr

from app.application.commands.create_user import CreateUserCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.dto.principal import Principal
from app.application.queries.get_user import GetUserQuery
from app.application.read_models.user import UserReadModel
from app.bootstrap import build_container
from app.domain.errors import NotFoundError
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId
from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine
from app.infrastructure.db.migrate import apply_migrations
from app.infrastructure.db.unit_of_work import SqlUnitOfWork

from .helpers import (
    PASSWORD,
    REFRESH,
    USERS,
    assert_envelope,
    bearer,
    client_for,
    create_admin,
    login,
    new_email,
    running_app,
    signed_up,
)

# Short, for the frozen-replica test's sake, yet far above a query (a first connection to
# the standby included) on a machine running several suites at once.
QUERY_TIMEOUT = 2.5
# Generous: the bound is the timeout, the margin is for a loaded CI machine.
ANSWER_BOUND = QUERY_TIMEOUT + 3.0
# A resumed standby replays a few kilobytes of WAL; loaded machines get ample time.
REPLAY_BOUND = 10.0
# Should the bound not hold, the test stops waiting here.
FREEZE_LIMIT = 10.0
POLL_SECONDS = 0.02
READY = "/health/ready"


@dataclass(frozen=True, slots=True)
class ReplicaPair:
    primary: PostgresServer
    standby: PostgresServer


def _no_servers(error: PostgresUnavailableError) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"no PostgreSQL binaries for the replica tests: {error}")
    pytest.skip(f"no PostgreSQL binaries for the replica tests: {error}")


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicaPair]:
    try:
        primary = start_server()
    except PostgresUnavailableError as error:
        _no_servers(error)
    try:
        # Before the base backup, so the standby starts with the schema.
        apply_migrations(primary.url)
        try:
            standby = start_standby(primary)
        except PostgresUnavailableError as error:
            _no_servers(error)
        try:
            yield ReplicaPair(primary, standby)
        finally:
            remove_server(standby)
    finally:
        remove_server(primary)


def _run(url: str, sql: str) -> list[TupleRow]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def primary_settings(settings: Settings, pair: ReplicaPair) -> Settings:
    """The pair's primary alone, DATABASE_READ_URL unset."""
    _run(pair.primary.url, "TRUNCATE users, refresh_tokens CASCADE")
    return settings.model_copy(
        update={
            "database_url": SecretStr(pair.primary.url),
            "database_query_timeout_seconds": QUERY_TIMEOUT,
        }
    )


@pytest.fixture
def replica_settings(primary_settings: Settings, pair: ReplicaPair) -> Settings:
    return primary_settings.model_copy(update={"database_read_url": SecretStr(pair.standby.url)})


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + REPLAY_BOUND
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {REPLAY_BOUND} s"
        time.sleep(POLL_SECONDS)


@contextmanager
def replay_paused(pair: ReplicaPair) -> Iterator[None]:
    """The standby stops applying WAL: it keeps answering, as of the moment it paused.

    It first replays all the primary wrote so far: paused inside a transaction (the
    fixture's TRUNCATE, whose WAL the primary sends late with synchronous_commit=off),
    it would hold that transaction's locks, and reads of those tables would wait.
    """
    standby = pair.standby
    [(written,)] = _run(pair.primary.url, "SELECT pg_current_wal_lsn()::text")
    _wait_for(
        lambda: (
            _run(standby.url, f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn")
            == [(True,)]
        ),
        "the standby replays what the primary wrote",
    )
    _run(standby.url, "SELECT pg_wal_replay_pause()")
    _wait_for(
        lambda: _run(standby.url, "SELECT pg_get_wal_replay_pause_state()") == [("paused",)],
        "replay pauses",
    )
    try:
        yield
    finally:
        _run(standby.url, "SELECT pg_wal_replay_resume()")


async def _eventually(attempt: Callable[[], Awaitable[UserReadModel]]) -> UserReadModel:
    """The first result `attempt` gives without NotFoundError: once the replica replayed."""
    started = time.monotonic()
    while True:
        try:
            return await attempt()
        except NotFoundError:
            assert time.monotonic() - started < REPLAY_BOUND, "the replica never caught up"
            await asyncio.sleep(POLL_SECONDS)


@contextmanager
def stopped(server: PostgresServer) -> Iterator[None]:
    """The standby shut down, then started again on its port: it picks up streaming."""
    run(stop_command(server), server.run_as)
    try:
        yield
    finally:
        start_cluster(server)


async def _admin_headers(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    admin = await create_admin(app, new_email("admin"))
    return bearer((await login(client, admin.email))["access_token"])


async def _replicated(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> None:
    """Wait until the replica answers `path` (the row replayed, its pool warm)."""
    started = time.monotonic()
    while (response := await client.get(path, headers=headers)).status_code == 404:
        assert time.monotonic() - started < REPLAY_BOUND, "the replica never caught up"
        await asyncio.sleep(POLL_SECONDS)
    assert response.status_code == 200, response.text


def _assert_retry_later(response: httpx.Response) -> None:
    error = assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert error["details"] == {"retry_after_seconds": retry_after}


def _assert_only_the_replica_failed(readiness: httpx.Response) -> None:
    # Degraded, not unready: every instance reads from this replica, and a load balancer
    # that dropped them all would fail the writes and own reads that still work too.
    assert readiness.status_code == 200, readiness.text
    body = readiness.json()
    assert body["status"] == "degraded"
    assert body["checks"] == {
        "database_reachable": "ok",
        "schema_migrated": "ok",
        "database_writable": "ok",
    }
    assert body["dependencies"]["read_replica"] == "failed"


async def test_a_write_is_on_the_primary_at_once_and_queries_see_it_once_the_replica_replays_it(
    replica_settings: Settings, pair: ReplicaPair
) -> None:
    primary = create_engine(replica_settings)  # the engine commands get
    try:
        async with build_container(replica_settings) as container:
            admin = await container.command_bus.dispatch(
                CreateUserCommand(
                    email=new_email("admin"), password=PASSWORD, requester=None, role=Role.ADMIN
                )
            )
            with replay_paused(pair):
                user = await container.command_bus.dispatch(
                    RegisterUserCommand(email=new_email(), password=PASSWORD)
                )
                as_admin = GetUserQuery(user_id=user.id, requester=Principal(admin.id))
                async with SqlUnitOfWork(primary) as uow:
                    stored = await uow.users.get(UserId(user.id))
                with pytest.raises(NotFoundError) as hidden:
                    await container.query_bus.dispatch(as_admin)
            found = await _eventually(lambda: container.query_bus.dispatch(as_admin))
    finally:
        await primary.close()

    assert stored is not None
    assert stored.email.value == user.email
    assert hidden.value.code == "USER_NOT_FOUND"
    assert (found.id, found.email) == (user.id, user.email)


async def test_commands_and_the_callers_own_reads_go_to_the_primary_while_the_standby_lags(
    replica_settings: Settings, pair: ReplicaPair
) -> None:
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        _run(pair.standby.url, "DELETE FROM users")
    async with running_app(replica_settings) as app, client_for(app) as client:
        admin = await _admin_headers(app, client)
        with replay_paused(pair):
            # Registration, login and refresh are commands: they write on the primary.
            newcomer = await signed_up(client, "newcomer")
            refreshed = await client.post(REFRESH, json={"refresh_token": newcomer.refresh_token})
            path = f"{USERS}/{newcomer.id}"
            own = await client.get(path, headers=newcomer.headers)
            by_admin = await client.get(path, headers=admin)
        await _replicated(client, path, admin)

    assert refreshed.status_code == 200, refreshed.text
    # The requester is read from the primary: someone who just signed up is found.
    assert own.status_code == 200, own.text
    assert own.json()["email"] == newcomer.email
    # Another account comes from the replica, which has not replayed the sign-up yet.
    assert_envelope(by_admin, 404, "USER_NOT_FOUND")


async def test_without_a_read_url_queries_read_the_primary(
    primary_settings: Settings, pair: ReplicaPair
) -> None:
    async with build_container(primary_settings) as container:
        admin = await container.command_bus.dispatch(
            CreateUserCommand(
                email=new_email("admin"), password=PASSWORD, requester=None, role=Role.ADMIN
            )
        )
        with replay_paused(pair):
            user = await container.command_bus.dispatch(
                RegisterUserCommand(email=new_email(), password=PASSWORD)
            )
            found = await container.query_bus.dispatch(
                GetUserQuery(user_id=user.id, requester=Principal(admin.id))
            )

    assert found.id == user.id


async def test_a_stopped_replica_fails_its_reads_with_503_until_it_is_back(
    replica_settings: Settings, pair: ReplicaPair
) -> None:
    async with running_app(replica_settings) as app, client_for(app) as client:
        admin = await _admin_headers(app, client)
        user = await signed_up(client)
        path = f"{USERS}/{user.id}"
        await _replicated(client, path, admin)
        with stopped(pair.standby):
            by_admin = await client.get(path, headers=admin)
            own = await client.get(path, headers=user.headers)
            readiness = await client.get(READY)
        back = await client.get(path, headers=admin)
        ready_again = await client.get(READY)

    # No fallback to the primary: the read the replica owes fails, and says to retry.
    _assert_retry_later(by_admin)
    # The requester's own record comes from the primary, which is up.
    assert own.status_code == 200, own.text
    _assert_only_the_replica_failed(readiness)
    # Its pooled connection died with it; the read runs again on a fresh one.
    assert back.status_code == 200, back.text
    assert ready_again.status_code == 200, ready_again.text
    assert ready_again.json()["dependencies"]["read_replica"] == "ok"


async def test_a_frozen_replica_fails_its_reads_with_503_within_the_query_timeout(
    replica_settings: Settings, pair: ReplicaPair
) -> None:
    async with running_app(replica_settings) as app, client_for(app) as client:
        admin = await _admin_headers(app, client)
        user = await signed_up(client)
        path = f"{USERS}/{user.id}"
        await _replicated(client, path, admin)
        with frozen(pair.standby):
            started = time.monotonic()
            async with asyncio.timeout(FREEZE_LIMIT):
                by_admin, readiness = await asyncio.gather(
                    client.get(path, headers=admin), client.get(READY)
                )
            elapsed = time.monotonic() - started
            own = await client.get(path, headers=user.headers)
        thawed = await client.get(path, headers=admin)

    _assert_retry_later(by_admin)
    _assert_only_the_replica_failed(readiness)
    assert elapsed < ANSWER_BOUND
    assert own.status_code == 200, own.text
    # The connection that timed out was thrown away: none is handed out again.
    assert thawed.status_code == 200, thawed.text


async def test_a_promoted_standby_no_longer_counts_as_the_replica(
    replica_settings: Settings, pair: ReplicaPair
) -> None:
    """Last in this module: a promotion cannot be undone. The promoted server answers, but
    follows the primary no more, so reads through it would stay stale for good."""
    async with running_app(replica_settings) as app, client_for(app) as client:
        assert (await client.get(READY)).json()["dependencies"]["read_replica"] == "ok"
        _run(pair.standby.url, "SELECT pg_promote()")  # returns once promoted
        readiness = await client.get(READY)

    _assert_only_the_replica_failed(readiness)
