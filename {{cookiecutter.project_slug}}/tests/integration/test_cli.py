"""`python -m app migrate | create-admin | purge-tokens | serve` as an operator runs them."""

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest

import app.__main__ as app_main
from app.domain.value_objects.role import Role
from app.infrastructure.config import DATABASE_DRIVER
from app.server.server_config import ServerConfig

from .builders import DRIVER_MISMATCH, OTHER_DRIVER, fetch_column, url_with_secret

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
        ["serve", "--port", "0"],
    ],
    ids=["migrate", "purge-tokens", "create-admin", "serve"],
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
