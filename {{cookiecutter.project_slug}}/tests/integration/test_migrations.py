"""Migrations: applied once, in order, even when two deploys race."""

import threading
from concurrent.futures import ThreadPoolExecutor

from app.infrastructure.db.migrate import MIGRATIONS_DIR, apply_migrations

from .builders import fetch_column

MIGRATION_FILES = sorted(path.name for path in MIGRATIONS_DIR.glob("*.sql"))
{%- if cookiecutter.db_driver == "postgresql" %}
TABLES_QUERY = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
)
{%- else %}
TABLES_QUERY = "SELECT name FROM sqlite_master WHERE type = 'table'"
{%- endif %}


def test_there_are_migrations_to_apply() -> None:
    assert MIGRATION_FILES[:2] == ["001_create_users.sql", "002_create_refresh_tokens.sql"]


def test_migrating_an_empty_database_creates_the_tables(empty_database_url: str) -> None:
    assert apply_migrations(empty_database_url) == MIGRATION_FILES

    tables = set(fetch_column(empty_database_url, TABLES_QUERY))
    assert {"users", "refresh_tokens", "schema_migrations"} <= tables


def test_migrating_again_applies_nothing(database_url: str) -> None:
    assert apply_migrations(database_url) == []
    versions = fetch_column(database_url, "SELECT version FROM schema_migrations")
    assert len(versions) == len(MIGRATION_FILES)


def test_concurrent_migrations_apply_each_file_once(empty_database_url: str) -> None:
    start_together = threading.Barrier(2)

    def migrate() -> list[str]:
        start_together.wait(timeout=10)
        return apply_migrations(empty_database_url)

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(migrate) for _ in range(2)]
        results = sorted((run.result(timeout=60) for run in runs), key=len)

    # Both succeed; the one that waited for the lock finds nothing left to do.
    assert results == [[], MIGRATION_FILES]
    versions = fetch_column(empty_database_url, "SELECT version FROM schema_migrations")
    assert sorted(versions) == sorted(set(versions))
    assert len(versions) == len(MIGRATION_FILES)
