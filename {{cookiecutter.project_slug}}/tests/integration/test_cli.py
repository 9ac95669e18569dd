"""`python -m app migrate | create-admin | purge-tokens` as an operator runs them."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.domain.value_objects.role import Role
from app.infrastructure.config import DATABASE_DRIVER

from .builders import DRIVER_MISMATCH, OTHER_DRIVER, fetch_column, url_with_secret

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "an admin password"
DATABASE_PASSWORD = "Db-Passw0rd-Never-Printed"


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

    again = run_app(
        database_url, "create-admin", "--email", "root@example.com", ADMIN_PASSWORD=ADMIN_PASSWORD
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
