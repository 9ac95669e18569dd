"""GET /health/ready on databases that answer but cannot serve this release.

Readiness used to run `SELECT 1`, which any database passes, migrated or not,
writable or not. Now it is a 503 naming the check that failed.
"""

import shutil
{%- if cookiecutter.db_driver == "sqlite" %}
import sqlite3
{%- endif %}
from pathlib import Path
{%- if cookiecutter.db_driver == "postgresql" %}
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from pydantic import SecretStr
{%- else %}

from pydantic import SecretStr
{%- endif %}

from app.infrastructure.config import Settings
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.database_url import parse_database_url
{%- endif %}
from app.infrastructure.db.migrate import MIGRATIONS_DIR, apply_migrations
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.postgresql_connection import libpq_parameters
{%- endif %}

{% if cookiecutter.db_driver == "postgresql" -%}
from .helpers import REGISTER, assert_envelope, new_email, running_client
{%- else -%}
from .helpers import assert_envelope, running_client
{%- endif %}


def _settings_for(settings: Settings, database_url: str) -> Settings:
    return settings.model_copy(update={"database_url": SecretStr(database_url)})


def _first_migration_only(tmp_path: Path) -> Path:
    """A migrations directory holding only the oldest file: a database one release behind."""
    older = tmp_path / "older-migrations"
    older.mkdir()
    oldest = min(MIGRATIONS_DIR.glob("*.sql"))
    shutil.copy(oldest, older / oldest.name)
    return older


async def _not_ready_checks(settings: Settings) -> dict[str, str]:
    async with running_client(settings) as client:
        response = await client.get("/health/ready")
    error = assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
    assert int(response.headers["Retry-After"]) >= 1
    checks: dict[str, str] = error["details"]["checks"]
    return checks


async def test_a_database_behind_on_migrations_is_not_ready(
    settings: Settings, empty_database_url: str, tmp_path: Path
) -> None:
    apply_migrations(empty_database_url, _first_migration_only(tmp_path))

    checks = await _not_ready_checks(_settings_for(settings, empty_database_url))

    assert checks == {
        "database_reachable": "ok",
        "schema_migrated": "failed",
        "database_writable": "ok",
    }


async def test_a_database_never_migrated_is_not_ready(
    settings: Settings, empty_database_url: str
) -> None:
{%- if cookiecutter.db_driver == "sqlite" %}
    # A database file that exists (the service never creates one) but has no tables of ours.
    path = empty_database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE unrelated (id INTEGER)")
    connection.close()
{%- endif %}
    checks = await _not_ready_checks(_settings_for(settings, empty_database_url))

    assert checks == {
        "database_reachable": "ok",
        "schema_migrated": "failed",
        "database_writable": "not_checked",
    }
{%- if cookiecutter.db_driver == "postgresql" %}


def _make_read_only(database_url: str) -> None:
    """What a standby or `default_transaction_read_only` gives every new session."""
    name = urlsplit(database_url).path.lstrip("/")
    parameters = libpq_parameters(parse_database_url(database_url))
    with psycopg.connect(**parameters, autocommit=True) as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(
                sql.Identifier(name)
            )
        )


async def test_a_read_only_database_is_not_ready_and_refuses_writes_with_503(
    settings: Settings, empty_database_url: str
) -> None:
    apply_migrations(empty_database_url)
    _make_read_only(empty_database_url)
    read_only = _settings_for(settings, empty_database_url)

    checks = await _not_ready_checks(read_only)
    async with running_client(read_only) as client:
        write = await client.post(
            REGISTER, json={"email": new_email(), "password": "correct horse battery"}
        )

    assert checks == {
        "database_reachable": "ok",
        "schema_migrated": "ok",
        "database_writable": "failed",
    }
    assert_envelope(write, 503, "SERVICE_UNAVAILABLE")
{%- endif %}
