"""Migrations: applied once, in order, even when two deploys race."""

import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sql_statements import execute_sql, fetch_column

from app.infrastructure.db.column_types import timestamp, to_datetime
from app.infrastructure.db.migrate import MIGRATIONS_DIR, apply_migrations

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


def test_tokens_issued_before_session_starts_were_recorded_take_their_familys_oldest(
    empty_database_url: str, tmp_path: Path
) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for name in MIGRATION_FILES[: MIGRATION_FILES.index("007_add_session_started_at.sql")]:
        shutil.copy(MIGRATIONS_DIR / name, before / name)
    apply_migrations(empty_database_url, before)
    user = str(uuid.uuid4())
    execute_sql(
        empty_database_url,
        "INSERT INTO users (id, email, password_hash, role, created_at)"
        " VALUES (:id, 'a@example.com', 'h', 'user', :at)",
        {"id": user, "at": timestamp(_at(1))},
    )
    family, other = str(uuid.uuid4()), str(uuid.uuid4())
    # Issued on these days, in this order of ids: the family's oldest is day 1.
    issued = [(family, 3), (family, 1), (family, 2), (other, 5)]
    for index, (family_id, day) in enumerate(issued):
        execute_sql(
            empty_database_url,
            "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, issued_at, expires_at)"
            " VALUES (:id, :user_id, :family_id, :hash, :issued_at, :expires_at)",
            {
                "id": f"00000000-0000-4000-8000-{index:012d}",
                "user_id": user,
                "family_id": family_id,
                "hash": f"hash-{index}",
                "issued_at": timestamp(_at(day)),
                "expires_at": timestamp(_at(30)),
            },
        )

    assert apply_migrations(empty_database_url)[0] == "007_add_session_started_at.sql"

    started = fetch_column(
        empty_database_url, "SELECT session_started_at FROM refresh_tokens ORDER BY id"
    )
    assert [to_datetime(value) for value in started] == [_at(1)] * 3 + [_at(5)]


def _at(day: int) -> datetime:
    return datetime(2026, 1, day, 12, tzinfo=UTC)
