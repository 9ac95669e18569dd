"""Applies the numbered SQL files in migrations/ exactly once.

Run it as its own step (`python -m app migrate`, the Docker entrypoint), never
from each worker's startup. A lock still guards against two deploys racing; a
migrate that cannot get it within MIGRATION_LOCK_TIMEOUT_SECONDS gives up.
{%- if cookiecutter.db_driver == "postgresql" %}

The lock is a session advisory lock held by the very connection that applies
the migrations. A migration runs in a transaction, so a migrate that is killed
half-way leaves work behind only in its server session; the lock lives exactly
as long as that session, so no other migrate can start while the half-applied
migration might still commit. The session ends soon after its client is gone:
the server checks the connection every second even while a statement waits
(client_connection_check_interval, PostgreSQL 14+), rolls back and lets go.
{%- endif %}
"""
{% if cookiecutter.db_driver == "sqlite" %}
import fcntl
import time
{%- endif %}
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
{%- if cookiecutter.db_driver == "sqlite" %}
from typing import IO
{%- endif %}
{% if cookiecutter.db_driver == "postgresql" %}
import psycopg
{%- endif %}
from row_query import (
    ConnectionConfig,
    ConnectionManager,
    MigrationError,
    MigrationInfo,
    MigrationManager,
)
from row_query import ConnectionError as DatabaseConnectionError

from app.infrastructure.db.database_url import parse_database_url
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.postgresql_connection import libpq_parameters
{%- else %}
from app.infrastructure.db.sqlite_database_file import SqliteDatabaseFile
{%- endif %}

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DEFAULT_LOCK_TIMEOUT_SECONDS = 10.0


class MigrationLockTimeoutError(MigrationError):  # type: ignore[misc]
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Another migrate is running: gave up waiting for the migration lock after "
            f"{seconds:g} s (MIGRATION_LOCK_TIMEOUT_SECONDS)"
        )
{%- if cookiecutter.db_driver == "postgresql" %}


# Any constant works; it only has to be the same for every migrating process.
ADVISORY_LOCK_KEY = 7_311_944_021
CLIENT_CHECK_INTERVAL_MS = 1000


class _LockedSession(ConnectionManager):  # type: ignore[misc]
    """Lends MigrationManager the one connection, the one that holds the lock."""

    def __init__(self, config: ConnectionConfig, connection: psycopg.Connection[object]) -> None:
        super().__init__(config)
        self._connection = connection

    @contextmanager
    def get_connection(self) -> Iterator[psycopg.Connection[object]]:
        try:
            yield self._connection
        finally:
            # As rowquery's pool does on release: nothing stays open between steps.
            self._connection.rollback()


@contextmanager
def _migration_connections(
    config: ConnectionConfig, lock_timeout: float
) -> Iterator[ConnectionManager]:
    # lock_timeout bounds the wait for the advisory lock and every lock a migration needs.
    options = (
        f"-c lock_timeout={max(1, round(lock_timeout * 1000))}"
        f" -c client_connection_check_interval={CLIENT_CHECK_INTERVAL_MS}"
    )
    try:
        connection = psycopg.connect(**libpq_parameters(config, options=options))
    except psycopg.OperationalError as error:
        raise DatabaseConnectionError(f"Failed to open database connection: {error}") from None
    with connection:
        try:
            connection.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        except psycopg.errors.LockNotAvailable:
            raise MigrationLockTimeoutError(lock_timeout) from None
        connection.commit()
        # Closing the connection at the end releases the lock.
        yield _LockedSession(config, connection)
{%- else %}


LOCK_POLL_SECONDS = 0.05


def _lock(lock_file: IO[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise MigrationLockTimeoutError(timeout) from None
            time.sleep(LOCK_POLL_SECONDS)


@contextmanager
def _migration_connections(
    config: ConnectionConfig, lock_timeout: float
) -> Iterator[ConnectionManager]:
    try:
        lock_file = open(f"{config.database}.migrate.lock", "w")  # noqa: SIM115 - closed below
    except OSError as error:
        # e.g. the database's directory does not exist: one readable error, no traceback.
        raise DatabaseConnectionError(f"Failed to open database connection: {error}") from None
    with lock_file:
        _lock(lock_file, lock_timeout)
        try:
            # The one place a database file is ever created, and then private to its owner.
            SqliteDatabaseFile(config.database).create_if_missing()
            manager = ConnectionManager(config)
            try:
                yield manager
            finally:
                manager.close_pool()
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
{%- endif %}


def apply_migrations(
    database_url: str,
    migrations_dir: Path = MIGRATIONS_DIR,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
) -> list[str]:
    """Apply pending migrations; return the file names that were applied."""
    config = parse_database_url(database_url, pool_size=1)
    with _migration_connections(config, lock_timeout) as manager:
        applied: list[MigrationInfo] = MigrationManager(migrations_dir, manager).apply()
    return [info.file_path.name for info in applied]
