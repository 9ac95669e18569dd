"""SQL run behind the service's back, on the database a test's app uses."""

from typing import Any

from row_query import Engine

from app.infrastructure.db.connection import load_sql_registry
from app.infrastructure.db.database_url import parse_database_url


def execute_sql(database_url: str, statement: str, params: dict[str, Any] | None = None) -> int:
    """Run one statement on its own connection and commit it; returns the row count."""
    engine = Engine.from_config(parse_database_url(database_url, pool_size=1), load_sql_registry())
    try:
        rowcount: int = engine.execute(statement, params)
        return rowcount
    finally:
        engine.close()


def fetch_column(database_url: str, query: str, params: dict[str, Any] | None = None) -> list[Any]:
    """First column of every row, read with a short-lived synchronous engine."""
    engine = Engine.from_config(parse_database_url(database_url, pool_size=1), load_sql_registry())
    try:
        return [next(iter(row.values())) for row in engine.fetch_all(query, params)]
    finally:
        engine.close()
