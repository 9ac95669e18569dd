"""`python -m app migrate | create-admin | purge-tokens | relay-events | purge-events | serve`
as an operator runs them."""

import asyncio
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from row_query import Engine
from sql_statements import fetch_column

import app.__main__ as app_main
from app.application.events.event_serialization import to_record
from app.domain.entities.user import UserEntity
from app.domain.events.user_registered import UserRegistered
from app.domain.value_objects.role import Role
from app.infrastructure.config import DATABASE_DRIVER, Settings
from app.infrastructure.db.column_types import timestamp
from app.infrastructure.db.connection import create_engine, load_sql_registry
from app.infrastructure.db.database_url import parse_database_url
from app.infrastructure.db.sql_outbox import write_event
from app.infrastructure.security.bcrypt_password_hasher import BcryptPasswordHasher
from app.server.server_config import ServerConfig

from .builders import (
    DRIVER_MISMATCH,
    OTHER_DRIVER,
    new_token,
    new_user,
    store_tokens,
    store_user,
    url_with_secret,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "an admin password"
DATABASE_PASSWORD = "Db-Passw0rd-Never-Printed"
FULL_WIDTH_ROOT = "ＲＯＯＴ@ｅｘａｍｐｌｅ.ｃｏｍ"  # noqa: RUF001 - root@example.com, look-alike


def run_app(
    database_url: str, *args: str, module: str = "app", **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "APP_ENV": "local",
        "DATABASE_URL": database_url,
        "BCRYPT_ROUNDS": "4",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_applies_pending_migrations_once(empty_database_url: str) -> None:
    first = run_app(empty_database_url, "migrate")
    assert first.returncode == 0, first.stderr
    assert "001_create_users.sql" in first.stdout

    second = run_app(empty_database_url, "migrate")
    assert second.returncode == 0, second.stderr
    assert "already up to date" in second.stdout


def _roles(database_url: str) -> list[Any]:
    return fetch_column(database_url, "SELECT role FROM users WHERE email = 'root@example.com'")


def test_create_admin_creates_one_admin(database_url: str) -> None:
    created = run_app(
        database_url, "create-admin", "--email", " Root@Example.com", ADMIN_PASSWORD=ADMIN_PASSWORD
    )
    assert created.returncode == 0, created.stderr
    assert "root@example.com" in created.stdout
    assert _roles(database_url) == [Role.ADMIN.value]

    # A look-alike of the address (full-width letters) is the same address.
    again = run_app(
        database_url, "create-admin", "--email", FULL_WIDTH_ROOT, ADMIN_PASSWORD=ADMIN_PASSWORD
    )
    assert again.returncode == 1
    assert "Could not create the admin" in again.stderr
    assert ADMIN_PASSWORD not in again.stdout + again.stderr


def test_create_admin_reads_the_password_from_a_file_and_nowhere_else(
    database_url: str, tmp_path: Path
) -> None:
    # Neither ADMIN_PASSWORD nor a terminal: the file is the only source it has.
    password_file = tmp_path / "admin_password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    environment = {key: value for key, value in os.environ.items() if key != "ADMIN_PASSWORD"}
    command = ["create-admin", "--email", "root@example.com", "--password-file"]

    created = run_app(database_url, *command, str(password_file), **environment)

    assert created.returncode == 0, created.stderr
    [password_hash] = fetch_column(
        database_url, "SELECT password_hash FROM users WHERE email = 'root@example.com'"
    )
    hasher = BcryptPasswordHasher(rounds=4, max_concurrency=1, max_pending=1)
    assert asyncio.run(hasher.verify(ADMIN_PASSWORD, password_hash))
    # Its security event, on the service's log, at any LOG_LEVEL (run_app's is WARNING).
    [event] = [line for line in created.stdout.splitlines() if "admin.action" in line]
    assert "create_user" in event
    assert "operator" in event
    assert ADMIN_PASSWORD not in created.stdout

    missing = run_app(database_url, *command, str(tmp_path / "absent"), **environment)
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: --password-file: cannot read")
    assert missing.stderr.count("\n") == 1


def test_create_admin_refuses_a_weak_password(database_url: str) -> None:
    result = run_app(
        database_url, "create-admin", "--email", "root@example.com", ADMIN_PASSWORD="short"
    )

    assert result.returncode == 1
    assert "Password must be at least" in result.stderr
    assert _roles(database_url) == []


def _unreachable_database_url(tmp_path: Path) -> str:
    if DATABASE_DRIVER == "postgresql":
        # Port 9 (discard) on localhost: nothing listens there, the connection is refused.
        return f"postgresql://operator:{DATABASE_PASSWORD}@127.0.0.1:9/app"
    return f"sqlite:///{tmp_path / 'no-such-directory' / 'app.db'}"


def test_migrate_against_an_unreachable_database_is_one_error_line(tmp_path: Path) -> None:
    result = run_app(_unreachable_database_url(tmp_path), "migrate")

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    assert DATABASE_PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["purge-tokens"],
        ["create-admin", "--email", "root@example.com"],
        ["relay-events", "--once"],
        ["purge-events"],
        ["serve", "--port", "0"],
    ],
    ids=["migrate", "purge-tokens", "create-admin", "relay-events", "purge-events", "serve"],
)
def test_a_url_for_the_other_driver_is_one_line_naming_this_projects_driver(
    command: list[str],
) -> None:
    url = url_with_secret(OTHER_DRIVER, DATABASE_PASSWORD)
    result = run_app(url, *command, ADMIN_PASSWORD=ADMIN_PASSWORD)

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"error: Invalid configuration (local): {DRIVER_MISMATCH}\n"


def test_uvicorn_started_by_hand_refuses_the_other_driver_in_one_line() -> None:
    """The README's `uvicorn app.main:app` imports the app: no settings traceback there."""
    url = url_with_secret(OTHER_DRIVER, DATABASE_PASSWORD)
    result = run_app(url, "app.main:app", "--port", "0", module="uvicorn")

    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"error: Invalid configuration (local): {DRIVER_MISMATCH}\n"


def test_purge_tokens_reports_what_it_deleted(database_url: str) -> None:
    result = run_app(database_url, "purge-tokens")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Deleted 0 expired refresh token(s)"


# The relay hands events to this service's subscribers itself{% if cookiecutter.use_redis == "true" %} when REDIS_URL is unset{% endif %}.
LOCAL_DELIVERY = {
    "ADMIN_PASSWORD": ADMIN_PASSWORD,
{%- if cookiecutter.use_redis == "true" %}
    "REDIS_URL": "",
{%- endif %}
}


def _execute(database_url: str, statement: str, params: dict[str, Any]) -> None:
    engine = Engine.from_config(parse_database_url(database_url, pool_size=1), load_sql_registry())
    try:
        engine.execute(statement, params)
    finally:
        engine.close()


def test_relay_events_once_publishes_what_waits_and_says_how_much(database_url: str) -> None:
    created = run_app(database_url, "create-admin", "--email", "root@example.com", **LOCAL_DELIVERY)
    assert created.returncode == 0, created.stderr

    first = run_app(database_url, "relay-events", "--once", **LOCAL_DELIVERY)
    again = run_app(database_url, "relay-events", "--once", **LOCAL_DELIVERY)

    assert (first.returncode, first.stdout, first.stderr) == (0, "Published 1 event(s)\n", "")
    assert (again.returncode, again.stdout) == (0, "Published 0 event(s)\n")
    assert fetch_column(database_url, "SELECT activity FROM account_activity") == ["registered"]


async def _store_users(settings: Settings, *emails: str) -> None:
    engine = create_engine(settings)
    try:
        for email in emails:
            await store_user(engine, new_user(email))
    finally:
        await engine.close()


def test_purge_events_reports_what_it_deleted_and_keeps_the_rest(
    settings: Settings, database_url: str
) -> None:
    asyncio.run(_store_users(settings, "old@example.com", "new@example.com"))
    relayed = run_app(database_url, "relay-events", "--once", **LOCAL_DELIVERY)
    assert relayed.stdout == "Published 2 event(s)\n", relayed.stderr
    asyncio.run(_store_users(settings, "waiting@example.com"))
    # Published and handled before EVENTS_RETENTION_DAYS (7 by default) ago: purged.
    long_ago = timestamp(datetime.now(UTC) - timedelta(days=8))
    _execute(
        database_url,
        "UPDATE outbox SET published_at = :at WHERE aggregate_id IN"
        " (SELECT id FROM users WHERE email = 'old@example.com')",
        {"at": long_ago},
    )
    _execute(database_url, "UPDATE processed_events SET processed_at = :at", {"at": long_ago})
    # One per event and subscriber: the history's, and those of subscribers added later.
    marks = len(fetch_column(database_url, "SELECT event_id FROM processed_events"))
    assert marks >= 2
    # However old, an event no relay published yet has reached nobody: it stays.
    _execute(database_url, "UPDATE outbox SET occurred_at = :at", {"at": long_ago})

    purged = run_app(database_url, "purge-events", **LOCAL_DELIVERY)

    assert (purged.returncode, purged.stderr) == (0, "")
    counts = f"1 published event(s), {marks} processed-event mark(s)"
{%- if cookiecutter.use_redis == "true" %}
    counts += ", 0 stream entries"
{%- endif %}
    assert purged.stdout == f"Deleted {counts}\n"
    assert len(fetch_column(database_url, "SELECT event_id FROM outbox")) == 2
    assert fetch_column(database_url, "SELECT event_id FROM processed_events") == []
    # An account's history outlives the events it was made from.
    assert fetch_column(database_url, "SELECT activity FROM account_activity") == [
        "registered",
        "registered",
    ]


def test_relay_events_refuses_a_bad_event_setting_in_one_line(database_url: str) -> None:
    result = run_app(database_url, "relay-events", EVENTS_BATCH_SIZE="0")

    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr.startswith("error: Invalid configuration (local): EVENTS_BATCH_SIZE: ")
    assert result.stderr.count("\n") == 1, result.stderr


async def _store_an_event_its_subscriber_refuses(settings: Settings) -> None:
    """An account that is not there: its activity row breaks the foreign key, every time."""
    ghost = UserRegistered(
        aggregate_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        email="ghost@example.com",
        role="user",
    )
    engine = create_engine(settings)
    try:
        async with engine.transaction() as transaction:
            await write_event(transaction, to_record(ghost))
    finally:
        await engine.close()


def _one_error_line(result: subprocess.CompletedProcess[str], *, starts: str) -> None:
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.startswith(f"error: {starts}"), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_relay_events_once_reports_a_refused_event_in_one_line(
    settings: Settings, database_url: str
) -> None:
    asyncio.run(_store_an_event_its_subscriber_refuses(settings))

    result = run_app(database_url, "relay-events", "--once", **LOCAL_DELIVERY)

    _one_error_line(
        result,
        starts="EventRefusedError: published 0 event(s) before failing <- EventNotHandledError: "
        "UserRegistered ",
    )
{%- if cookiecutter.use_redis == "true" %}


def test_consume_events_once_reports_a_failed_delivery_in_one_line(
    settings: Settings, database_url: str, redis_url: str
) -> None:
    asyncio.run(_store_an_event_its_subscriber_refuses(settings))
    relayed = run_app(database_url, "relay-events", "--once", REDIS_URL=redis_url)
    assert relayed.stdout == "Published 1 event(s)\n", relayed.stderr

    result = run_app(database_url, "consume-events", "--once", REDIS_URL=redis_url)

    _one_error_line(result, starts="EntryNotDeliveredError: stream entry ")
{%- endif %}


# Runs a worker whose startup is interrupted: the deploy stops it while it starts.
SIGTERM_WHILE_STARTING = """
import os
import signal
import sys
from contextlib import asynccontextmanager

import app.__main__ as cli

build_container = cli.build_container


@asynccontextmanager
async def stopped_while_starting(settings):
    os.kill(os.getpid(), signal.SIGTERM)
    async with build_container(settings) as container:
        yield container


cli.build_container = stopped_while_starting
sys.exit(cli.main([sys.argv[1]]))
"""


@pytest.mark.parametrize(
    ("command", "started"),
    [
        ("relay-events", "relay-events publishes to"),
{%- if cookiecutter.use_redis == "true" %}
        ("consume-events", "consume-events reads the Redis stream"),
{%- endif %}
    ],
)
def test_a_worker_stopped_while_it_starts_exits_once_started(
    database_url: str, {% if cookiecutter.use_redis == "true" %}redis_url: str, {% endif %}command: str, started: str
) -> None:
    """As PID 1 in a container a process ignores a signal it has no handler for: one that
    came during startup would leave the worker running until Docker's SIGKILL."""
    result = subprocess.run(
        [sys.executable, "-c", SIGTERM_WHILE_STARTING, command],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "APP_ENV": "local",
            "DATABASE_URL": database_url,
{%- if cookiecutter.use_redis == "true" %}
            "REDIS_URL": redis_url,
{%- endif %}
            "LOG_LEVEL": "INFO",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert started in result.stdout, "it did start"


# Refusing takes an import and the settings; serving would go on until stopped.
REFUSAL_DEADLINE_SECONDS = 60
SEVERAL_KEYS_REFUSED = (
    "error: 2 workers without JWT_SECRET_KEY would each sign with a random key of their own "
    "and reject the tokens the others issued: set JWT_SECRET_KEY (see .env.example) or run "
    "one worker\n"
)
PLACEHOLDER_REFUSED = (
    "error: Invalid configuration (local): JWT_SECRET_KEY must not be a placeholder (this one "
    "contains a published example): remove the line to sign with a random key made at each "
    "start, or generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'\n"
)


def test_serve_refuses_the_old_placeholder_key_in_one_line(database_url: str) -> None:
    result = run_app(database_url, "serve", "--port", "0", JWT_SECRET_KEY="change-me-in-production")

    assert (result.returncode, result.stdout, result.stderr) == (2, "", PLACEHOLDER_REFUSED)


def test_uvicorn_started_by_hand_refuses_the_old_placeholder_key_in_one_line(
    database_url: str,
) -> None:
    result = run_app(
        database_url,
        "app.main:app",
        "--port",
        "0",
        module="uvicorn",
        JWT_SECRET_KEY="change-me-in-production",
    )

    assert (result.returncode, result.stdout, result.stderr) == (1, "", PLACEHOLDER_REFUSED)


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _serve_until_started(env: dict[str, str], timeout: float = 60) -> list[str]:
    """Run `python -m app serve` until it has started, then stop it; its output lines."""
    with subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", "0"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
        reader.start()
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        try:
            while not any("Application startup complete" in line for line in seen):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"not started within {timeout} s: {seen}"
                with contextlib.suppress(queue.Empty):
                    seen.append(lines.get(timeout=remaining))
        finally:
            process.terminate()
            process.wait(timeout=30)
            reader.join(timeout=30)
    return seen


def test_serve_without_a_key_starts_locally_and_warns_once(database_url: str) -> None:
    """The first start of a fresh clone (no .env): it works, and says what it costs."""
    lines = _serve_until_started(
        {
            **os.environ,
            "APP_ENV": "local",
            "DATABASE_URL": database_url,
            "JWT_SECRET_KEY": "",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
    )

    warnings = [json.loads(line) for line in lines if "JWT_SECRET_KEY is not set" in line]
    assert len(warnings) == 1, lines
    assert warnings[0]["level"] == "WARNING"
    assert "will not survive a restart" in warnings[0]["message"]
    assert "do not work across several workers" in warnings[0]["message"]


def test_serve_refuses_several_workers_signing_with_keys_of_their_own(database_url: str) -> None:
    """Each worker would make up its own key and reject the tokens the others issued."""
    env = {**os.environ, "APP_ENV": "local", "DATABASE_URL": database_url, "JWT_SECRET_KEY": ""}
    # A session of its own: were the workers started after all, they all go with it.
    with subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", "0", "--workers", "2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=REFUSAL_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"serve still running {REFUSAL_DEADLINE_SECONDS} s after it started")

    assert (process.returncode, stdout) == (2, ""), stderr
    assert stderr == SEVERAL_KEYS_REFUSED


@pytest.mark.parametrize(
    ("options", "web_concurrency", "refusal"),
    [
        ([], "2", SEVERAL_KEYS_REFUSED),
        ([], "two", "error: WEB_CONCURRENCY must be a whole number of at least 1, not 'two'\n"),
        (["--workers", "0"], "", "argument --workers: a whole number of at least 1, not '0'\n"),
    ],
    ids=["WEB_CONCURRENCY=2", "WEB_CONCURRENCY=two", "--workers=0"],
)
def test_serve_refuses_a_worker_count_before_it_starts_in_one_line(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    web_concurrency: str,
    refusal: str,
) -> None:
    for name, value in {
        "APP_ENV": "local",
        "DATABASE_URL": database_url,
        "JWT_SECRET_KEY": "",
        "WEB_CONCURRENCY": web_concurrency,
    }.items():
        monkeypatch.setenv(name, value)
    # Refused means never started: a server here would serve until the test timed out.
    monkeypatch.setattr(app_main, "run_server", lambda config: pytest.fail("a server started"))

    status: int | str | None
    try:
        status = app_main.main(["serve", "--port", "0", *options])
    except SystemExit as refused:  # argparse's own refusal
        status = refused.code

    assert status == 2
    assert capsys.readouterr().err.endswith(refusal)


@pytest.mark.parametrize("web_concurrency", ["", " ", "1"], ids=["empty", "blank", "one"])
def test_an_empty_web_concurrency_means_one_worker(
    database_url: str, monkeypatch: pytest.MonkeyPatch, web_concurrency: str
) -> None:
    for name, value in {
        "APP_ENV": "local",
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": web_concurrency,
    }.items():
        monkeypatch.setenv(name, value)
    started: list[int] = []

    def run_server(config: ServerConfig) -> int:
        started.append(config.workers)
        return 0

    monkeypatch.setattr(app_main, "run_server", run_server)

    assert app_main.main(["serve", "--port", "0"]) == 0
    assert started == [1]


async def _store_sessions(settings: Settings, *users: UserEntity) -> None:
    engine = create_engine(settings)
    try:
        for user in users:
            await store_user(engine, user)
            await store_tokens(engine, new_token(user.id_), new_token(user.id_))
    finally:
        await engine.close()


def _live_tokens_by_user(database_url: str) -> list[Any]:
    return fetch_column(
        database_url,
        "SELECT user_id FROM refresh_tokens WHERE revoked_at IS NULL ORDER BY user_id",
    )


def test_revoke_sessions_ends_one_accounts_sessions_then_everyones(
    settings: Settings, database_url: str
) -> None:
    alice, bob = new_user("alice@example.com"), new_user("bob@example.com")
    asyncio.run(_store_sessions(settings, alice, bob))

    one = run_app(database_url, "revoke-sessions", "--user", str(alice.id_))
    assert one.returncode == 0, one.stderr
    *events, summary = one.stdout.strip().splitlines()
    assert summary == f"Ended the sessions of {alice.id_}"
    [event] = [line for line in events if "admin.action" in line]
    assert "end_user_sessions" in event
    assert "operator" in event
    assert [str(user_id) for user_id in _live_tokens_by_user(database_url)] == [str(bob.id_)] * 2

    unknown = run_app(database_url, "revoke-sessions", "--user", str(uuid.uuid4()))
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "Could not end the sessions: User not found",
    )

    every = run_app(database_url, "revoke-sessions", "--all")
    assert every.returncode == 0, every.stderr
    *events, summary = every.stdout.strip().splitlines()
    assert summary == "Ended 2 session(s)"
    [event] = [line for line in events if "admin.action" in line]
    assert "end_all_sessions" in event
    assert "ended=2" in event or '"ended": 2' in event
    assert _live_tokens_by_user(database_url) == []


@pytest.mark.parametrize(
    "arguments",
    [[], ["--user", "not-a-uuid"], ["--user", str(uuid.uuid4()), "--all"]],
    ids=["neither", "bad-id", "both"],
)
def test_revoke_sessions_refuses_a_muddled_request(database_url: str, arguments: list[str]) -> None:
    result = run_app(database_url, "revoke-sessions", *arguments)

    assert result.returncode == 2
    assert "usage: python -m app revoke-sessions" in result.stderr
