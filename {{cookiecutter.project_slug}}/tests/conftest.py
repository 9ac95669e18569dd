"""Fixtures shared by every test directory.

`database_url` is a migrated database with no rows in it, for one test, and
`settings` points the service at it; `empty_database_url` has no tables at all.
{%- if cookiecutter.db_driver == "postgresql" %}

The PostgreSQL server is TEST_DATABASE_URL when set (its database is only used
to create and drop the test databases), else a throwaway server started from
the local binaries (tests/postgres_server.py). Without either, the database
tests are skipped locally and fail under CI=true. The session migrates one
database and empties its tables before each test.
{%- else %}

Each database is a new SQLite file in the test's tmp_path.
{%- endif %}
{%- if cookiecutter.use_redis == "true" %}

Redis is TEST_REDIS_URL when set (a database the tests may empty: FLUSHDB before
each test), else a throwaway redis-server (tests/redis_server.py); without either
the tests that use it are skipped locally and fail under CI=true.
{%- endif %}
"""

{% if cookiecutter.db_driver == "postgresql" -%}
import os
import secrets
from collections.abc import Iterator
from typing import NoReturn
from urllib.parse import urlsplit

import psycopg
import pytest
{%- if cookiecutter.use_redis == "true" %}
import redis_server
{%- endif %}
from postgres_server import PostgresUnavailableError, remove_server, start_server
from psycopg import sql
from psycopg.rows import TupleRow

from app.infrastructure.config import Settings
from app.infrastructure.db.database_url import parse_database_url
from app.infrastructure.db.migrate import apply_migrations
from app.infrastructure.db.postgresql_connection import libpq_parameters


def _no_database(reason: str) -> NoReturn:
    # Locally a missing server skips the database tests; in CI it must not go unnoticed.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: database tests may not be skipped)")
    pytest.skip(reason)


def _admin_connection(server_url: str) -> psycopg.Connection[TupleRow]:
    return psycopg.connect(**libpq_parameters(parse_database_url(server_url)), autocommit=True)


def _with_database(server_url: str, name: str) -> str:
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def _unique_name(purpose: str) -> str:
    return f"test_{purpose}_{os.getpid()}_{secrets.token_hex(4)}"


def _create_database(server_url: str, name: str) -> None:
    with _admin_connection(server_url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(server_url: str, name: str) -> None:
    with _admin_connection(server_url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A superuser URL of the server the test databases are created in."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        try:
            _admin_connection(configured).close()
        except (psycopg.Error, ValueError) as error:
            # Driver messages name host and port, never the password.
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            _no_database(f"TEST_DATABASE_URL is set but unusable: {type(error).__name__} {reason}")
        yield configured
        return
    try:
        server = start_server()
    except PostgresUnavailableError as error:
        _no_database(f"no PostgreSQL server for the database tests: {error}")
    try:
        yield server.url
    finally:
        remove_server(server)


@pytest.fixture(scope="session")
def _session_database(postgres_server_url: str) -> Iterator[str]:
    """One migrated database for the whole session, dropped at the end."""
    name = _unique_name("db")
    _create_database(postgres_server_url, name)
    try:
        url = _with_database(postgres_server_url, name)
        apply_migrations(url)
        yield url
    finally:
        _drop_database(postgres_server_url, name)


def _empty_every_table(database_url: str) -> None:
    with _admin_connection(database_url) as connection:
        tables = [
            sql.Identifier(row[0])
            for row in connection.execute(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'"
            )
        ]
        if not tables:
            return
        truncate = sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
            sql.SQL(", ").join(tables)
        )
        connection.execute("SET lock_timeout = '5s'")
        try:
            connection.execute(truncate)
        except psycopg.errors.LockNotAvailable:
            # An earlier test left a transaction open (an engine it never closed): end it.
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            connection.execute(truncate)


@pytest.fixture
def empty_database_url(postgres_server_url: str) -> Iterator[str]:
    """A new database without any table, not even schema_migrations."""
    name = _unique_name("empty")
    _create_database(postgres_server_url, name)
    try:
        yield _with_database(postgres_server_url, name)
    finally:
        _drop_database(postgres_server_url, name)


@pytest.fixture
def database_url(_session_database: str) -> str:
    """The session's migrated database, with every table emptied for this test.

    Emptying takes about 10 ms; creating a database per test (even from a
    migrated template) takes 200-300 ms, which dominated the suite's run time.
    """
    _empty_every_table(_session_database)
    return _session_database
{%- else -%}
import asyncio
{%- if cookiecutter.use_redis == "true" %}
import os
{%- endif %}
import secrets
import threading
import time
from collections.abc import AsyncIterator{% if cookiecutter.use_redis == "true" %}, Iterator{% endif %}
from pathlib import Path

import pytest
{%- if cookiecutter.use_redis == "true" %}
import redis_server
{%- endif %}

from app.infrastructure.config import Settings
from app.infrastructure.db.migrate import apply_migrations

WORKER_STOP_TIMEOUT_SECONDS = 5.0


def _aiosqlite_workers() -> list[threading.Thread]:
    return [
        thread
        for thread in threading.enumerate()
        if thread.is_alive() and "_connection_worker_thread" in thread.name
    ]


@pytest.fixture(autouse=True)
async def _aiosqlite_workers_stop() -> AsyncIterator[None]:
    """Before the test's event loop closes, wait until every aiosqlite worker has stopped.

    aiosqlite (0.22) stops the worker of a connection that failed to open
    without waiting for it; if the loop closes first, the worker crashes
    reporting back and pytest blames whichever test runs next. A worker still
    running after the wait belongs to an engine nobody closed, which can hang
    the interpreter at exit.
    """
    yield
    deadline = time.monotonic() + WORKER_STOP_TIMEOUT_SECONDS
    while workers := _aiosqlite_workers():
        if time.monotonic() > deadline:
            pytest.fail(f"{len(workers)} aiosqlite connection(s) left open: close every engine")
        await asyncio.sleep(0.01)


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A SQLite file that does not exist yet: no table, not even schema_migrations."""
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A new, fully migrated, empty SQLite file in this test's tmp_path."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    apply_migrations(url)
    return url
{%- endif %}
{%- if cookiecutter.use_redis == "true" %}


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    configured = os.environ.get("TEST_REDIS_URL")
    if configured:
        problem = redis_server.ping_problem(configured)
        if problem is not None:
            redis_server.no_redis(f"TEST_REDIS_URL is set but does not answer PING: {problem}")
        yield configured
        return
    try:
        server = redis_server.start_server()
    except redis_server.RedisServerUnavailableError as error:
        redis_server.no_redis(f"no Redis server for the tests: {error}")
    try:
        yield server.url
    finally:
        redis_server.remove_server(server)


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """The session's Redis, emptied for this test: no counter carries over from another."""
    redis_server.flush(redis_server_url)
    return redis_server_url
{%- endif %}


@pytest.fixture
def settings(database_url: str{% if cookiecutter.use_redis == "true" %}, redis_url: str{% endif %}) -> Settings:
    """Settings for tests: no .env, fast bcrypt, a random signing key."""
    return Settings(
        _env_file=None,
        app_env="local",
        database_url=database_url,
{%- if cookiecutter.use_redis == "true" %}
        redis_url=redis_url,
{%- endif %}
        bcrypt_rounds=4,
        jwt_secret_key=secrets.token_urlsafe(48)[:64],
        log_level="WARNING",
        # Tests register and change passwords by the dozen; the limits get tests of their own.
        register_rate_limit_per_minute=0,
        password_change_rate_limit_per_minute=0,
        logout_rate_limit_per_minute=0,
        refresh_failures_per_address_per_minute=0,
        refreshes_per_session_per_minute=0,
    )
