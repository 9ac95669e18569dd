"""Applies the numbered SQL files in migrations/ exactly once.

Run it as its own step (`python -m app migrate`, the Docker entrypoint), never
from each worker's startup. A lock still guards against two deploys racing.
"""
{% if cookiecutter.db_driver == "sqlite" %}
import fcntl
{%- endif %}
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
{% if cookiecutter.db_driver == "postgresql" %}
import psycopg
{%- endif %}
from row_query import ConnectionConfig, ConnectionManager, MigrationInfo, MigrationManager
from row_query import ConnectionError as DatabaseConnectionError

from app.infrastructure.db.database_url import parse_database_url
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.postgresql_connection import libpq_parameters
{%- endif %}

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
{%- if cookiecutter.db_driver == "postgresql" %}
# Any constant works; it only has to be the same for every migrating process.
ADVISORY_LOCK_KEY = 7_311_944_021


@contextmanager
def _exclusive(config: ConnectionConfig) -> Iterator[None]:
    try:
        connection = psycopg.connect(**libpq_parameters(config), autocommit=True)
    except psycopg.OperationalError as error:
        raise DatabaseConnectionError(f"Failed to open database connection: {error}") from None
    with connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
{%- else %}


@contextmanager
def _exclusive(config: ConnectionConfig) -> Iterator[None]:
    try:
        lock_file = open(f"{config.database}.migrate.lock", "w")  # noqa: SIM115 - closed below
    except OSError as error:
        # e.g. the database's directory does not exist: one readable error, no traceback.
        raise DatabaseConnectionError(f"Failed to open database connection: {error}") from None
    with lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
{%- endif %}


def apply_migrations(database_url: str, migrations_dir: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the file names that were applied."""
    config = parse_database_url(database_url, pool_size=1)
    with _exclusive(config):
        manager = ConnectionManager(config)
        try:
            applied: list[MigrationInfo] = MigrationManager(migrations_dir, manager).apply()
        finally:
            manager.close_pool()
    return [info.file_path.name for info in applied]
