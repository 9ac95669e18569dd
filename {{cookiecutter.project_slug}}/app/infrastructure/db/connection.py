"""Builds the rowquery engines the whole service shares."""

from pathlib import Path

from pydantic import SecretStr
from row_query import SQLRegistry

from app.infrastructure.config import Settings
from app.infrastructure.db.bounded_engine import BoundedEngine
from app.infrastructure.db.database_url import parse_database_url
{%- if cookiecutter.db_driver == "sqlite" %}
from app.infrastructure.db.sqlite_connection import SqliteConnectionManager as ConnectionManager
{%- else %}
from app.infrastructure.db.postgresql_connection import (
    PostgresqlConnectionManager as ConnectionManager,
)
{%- endif %}

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def load_sql_registry(sql_dir: Path = SQL_DIR) -> SQLRegistry:
    registry = SQLRegistry(sql_dir)
    # rowquery silently accepts a missing directory; fail at startup instead.
    if len(registry) == 0:
        raise RuntimeError(f"No named SQL files found under {sql_dir}")
    return registry


def create_engine(settings: Settings, url: SecretStr | None = None) -> BoundedEngine:
    """An engine on `url` (DATABASE_URL unless given) with the pool and deadlines of `settings`."""
    # Settings validation refuses a URL for the other driver: ConnectionManager gets its own.
    config = parse_database_url(
        (settings.database_url if url is None else url).get_secret_value(),
        pool_size=settings.database_pool_size,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    timeout = settings.database_query_timeout_seconds
    return BoundedEngine(ConnectionManager(config, timeout), load_sql_registry(), timeout)
