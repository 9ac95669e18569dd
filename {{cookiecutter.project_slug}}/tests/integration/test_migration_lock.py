"""`python -m app migrate` processes and the lock between them, with real processes and signals."""
{% if cookiecutter.db_driver == "sqlite" %}
import fcntl
{%- endif %}
import os
{%- if cookiecutter.db_driver == "postgresql" %}
import signal
{%- endif %}
import subprocess
import sys
import time
{%- if cookiecutter.db_driver == "postgresql" %}
from collections.abc import Iterator
from contextlib import contextmanager
{%- endif %}
from pathlib import Path

{% if cookiecutter.db_driver == "postgresql" -%}
import psycopg
from psycopg.rows import TupleRow
{% endif -%}
from sql_statements import fetch_column

from app.infrastructure.db.database_url import parse_database_url
from app.infrastructure.db.migrate import MIGRATIONS_DIR, apply_migrations
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.postgresql_connection import libpq_parameters
{%- endif %}

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIGRATION_FILES = sorted(path.name for path in MIGRATIONS_DIR.glob("*.sql"))
GIVE_UP_AFTER = 1.0
# The bound is the lock timeout; the margin covers starting Python on a loaded machine
# (7.3 s seen with four baked suites on 2 cores), and stays far below PATIENT.
GIVE_UP_BOUND = GIVE_UP_AFTER + 10.0
# Long enough to wait for a lock the test holds on purpose; today's code waits forever.
PATIENT = 30.0
PROCESS_LIMIT = 20.0
POLL_SECONDS = 0.05


MIGRATE = [sys.executable, "-m", "app", "migrate"]


def _environment(database_url: str, lock_timeout: float) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "local",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "MIGRATION_LOCK_TIMEOUT_SECONDS": str(lock_timeout),
    }


def migrate(database_url: str, lock_timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        MIGRATE,
        cwd=PROJECT_ROOT,
        env=_environment(database_url, lock_timeout),
        capture_output=True,
        text=True,
        timeout=PROCESS_LIMIT,
        check=False,
    )
{%- if cookiecutter.db_driver == "postgresql" %}


def start_migrate(database_url: str, lock_timeout: float) -> "subprocess.Popen[str]":
    return subprocess.Popen(
        MIGRATE,
        cwd=PROJECT_ROOT,
        env=_environment(database_url, lock_timeout),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
{%- endif %}


def _assert_gives_up_in_one_line(database_url: str) -> None:
    started = time.monotonic()
    waiting = migrate(database_url, GIVE_UP_AFTER)
    elapsed = time.monotonic() - started

    assert waiting.returncode == 2, waiting.stderr
    assert waiting.stdout == ""
    assert waiting.stderr.startswith("error: Another migrate is running"), waiting.stderr
    assert waiting.stderr.count("\n") == 1, waiting.stderr
    assert elapsed < GIVE_UP_BOUND


def _assert_applied_once(database_url: str) -> None:
    versions = fetch_column(database_url, "SELECT version FROM schema_migrations")
    assert sorted(versions) == sorted({name.split("_", 1)[0] for name in MIGRATION_FILES})
{%- if cookiecutter.db_driver == "postgresql" %}


def _connect(database_url: str) -> psycopg.Connection[TupleRow]:
    return psycopg.connect(**libpq_parameters(parse_database_url(database_url)), autocommit=True)


def _only_the_tracking_table(database_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "no-migrations"
    empty.mkdir()
    assert apply_migrations(database_url, empty) == []


@contextmanager
def tracking_table_locked(database_url: str) -> Iterator[psycopg.Connection[TupleRow]]:
    """Reads of schema_migrations pass, recording an applied migration waits.

    So a migrate gets as far as applying the first migration, and hangs there
    with that migration half done in its open transaction. Yields a connection
    to watch the server with (pg_stat_activity is a snapshot inside a transaction).
    """
    with _connect(database_url) as blocker, blocker.transaction():
        blocker.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
        with _connect(database_url) as observer:
            yield observer


def _waiting_backend(observer: psycopg.Connection[TupleRow]) -> int:
    deadline = time.monotonic() + PROCESS_LIMIT
    while time.monotonic() < deadline:
        row = observer.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO schema_migrations%%'"
        ).fetchone()
        if row is not None:
            return int(row[0])
        time.sleep(POLL_SECONDS)
    raise AssertionError("migrate never reached the tracking table")


def _gone(observer: psycopg.Connection[TupleRow], pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))
        if alive.fetchone() is None:
            return True
        time.sleep(POLL_SECONDS)
    return False


def test_a_migrate_waits_for_a_live_one_within_bounds_and_a_killed_one_lets_go_at_once(
    empty_database_url: str, tmp_path: Path
) -> None:
    _only_the_tracking_table(empty_database_url, tmp_path)
    with tracking_table_locked(empty_database_url) as observer:
        first = start_migrate(empty_database_url, PATIENT)
        try:
            backend = _waiting_backend(observer)
            # The first migrate is alive and holds the migration lock: the second one
            # gives up after its bound, in one line, having changed nothing.
            _assert_gives_up_in_one_line(empty_database_url)
        finally:
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=PROCESS_LIMIT)

        # The test still holds its lock, so the killed migrate's statement still waits;
        # its server session must end by itself all the same (rolling back the
        # half-applied migration), and the migration lock with it.
        assert _gone(observer, backend, within=5.0), "the killed migrate's session lives on"
        locks = observer.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        assert locks.fetchone() == (0,)

    assert apply_migrations(empty_database_url) == MIGRATION_FILES
    _assert_applied_once(empty_database_url)
{%- else %}


def test_a_migrate_waiting_for_another_migrates_lock_gives_up_after_the_bound(
    empty_database_url: str,
) -> None:
    database = parse_database_url(empty_database_url).database
    # What a running migrate holds while it works.
    with open(f"{database}.migrate.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        _assert_gives_up_in_one_line(empty_database_url)
        assert not Path(database).exists()  # it gave up before touching anything

    assert apply_migrations(empty_database_url) == MIGRATION_FILES
    _assert_applied_once(empty_database_url)
{%- endif %}
