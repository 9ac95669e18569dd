"""Secrets from files (`<SETTING>_FILE`, Docker secrets): read as the operator wrote them,
refused in one line that names the setting and never shows the content."""

import os
import secrets
from pathlib import Path

import pytest
{%- if cookiecutter.use_redis == "true" %}
import redis
{%- endif %}

from app.infrastructure.config import ConfigurationError, Settings, load_settings
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.database_url import parse_database_url
{%- endif %}
from app.infrastructure.secret_files import MAX_SECRET_BYTES

KEY = secrets.token_urlsafe(48)
SECRET_PASSWORD = "p@ss:w/rd#from-a-file"  # every character a URL gives meaning to
{%- if cookiecutter.use_redis == "true" %}
REDIS_URL = "redis://127.0.0.1:6379/0"
{%- endif %}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root for APP_ENV=prod with no setting leaking in from the environment."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("APP_ENV", "prod")
{%- if cookiecutter.use_redis == "true" %}
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
{%- endif %}
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "prod.env").write_text("LOG_LEVEL=INFO\n")
    return tmp_path


def secret(root: Path, name: str, content: str | bytes) -> Path:
    path = root / "run-secrets" / name
    path.parent.mkdir(exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    path.chmod(0o400)
    return path


def test_the_signing_key_comes_from_its_file_without_the_trailing_newline(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY_FILE", str(secret(root, "jwt", KEY + "\n")))

    assert load_settings(root).jwt_secret_key.get_secret_value() == KEY


def test_a_file_setting_in_dotenv_counts_like_one_in_the_environment(root: Path) -> None:
    path = secret(root, "jwt", KEY)
    (root / ".env").write_text(f"JWT_SECRET_KEY_FILE={path}\n")

    assert load_settings(root).jwt_secret_key.get_secret_value() == KEY


def test_a_setting_and_its_file_together_are_refused(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY_FILE", str(secret(root, "jwt", KEY)))
    monkeypatch.setenv("JWT_SECRET_KEY", KEY.upper())

    with pytest.raises(ConfigurationError) as caught:
        load_settings(root)

    assert "JWT_SECRET_KEY and JWT_SECRET_KEY_FILE are both set" in str(caught.value)
    assert KEY.upper() not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("", "is empty", id="empty"),
        pytest.param("\n", "is empty", id="only-a-newline"),
        pytest.param(f"{KEY}\n{KEY}\n", "holds more than one line", id="two-lines"),
        pytest.param(b"\xff" + KEY.encode(), "is not UTF-8 text", id="binary"),
        pytest.param(KEY * (MAX_SECRET_BYTES // len(KEY) + 1), "is over", id="too-big"),
        # What a shell's $(cat) or the database image would read otherwise than the app.
        pytest.param(f"{KEY}\r\n", "ends in CR LF", id="windows-line-end"),
        pytest.param(f"\ufeff{KEY}", "starts with a byte-order mark", id="byte-order-mark"),
        pytest.param(f"{KEY}\x00{KEY}", "holds a NUL character", id="nul"),
    ],
)
def test_a_file_that_holds_no_secret_is_refused_without_showing_it(
    root: Path, monkeypatch: pytest.MonkeyPatch, content: str | bytes, problem: str
) -> None:
    path = secret(root, "jwt", content)
    monkeypatch.setenv("JWT_SECRET_KEY_FILE", str(path))

    with pytest.raises(ConfigurationError) as caught:
        load_settings(root)

    message = str(caught.value)
    assert f"JWT_SECRET_KEY_FILE: {path} {problem}" in message
    assert KEY not in message
    assert "\n" not in message


def test_a_missing_file_is_refused_naming_the_setting_and_the_path(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY_FILE", str(root / "run-secrets" / "absent"))

    with pytest.raises(ConfigurationError) as caught:
        load_settings(root)

    assert "JWT_SECRET_KEY_FILE: cannot read" in str(caught.value)
    assert "No such file or directory" in str(caught.value)


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_path_that_is_no_regular_file_is_refused_without_waiting_on_it(
    root: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # Opening a FIFO blocks until a writer comes: the start would hang.
    path = root / kind
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    monkeypatch.setenv("JWT_SECRET_KEY_FILE", str(path))

    with pytest.raises(ConfigurationError) as caught:
        load_settings(root)

    assert f"JWT_SECRET_KEY_FILE: {path} is not a regular file" in str(caught.value)


def test_a_key_from_a_file_meets_the_same_checks_as_one_from_the_environment(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY_FILE", str(secret(root, "jwt", "change-me\n")))

    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY"):
        load_settings(root)


def test_an_empty_file_setting_means_none(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # How deploy tools leave a variable off.
    monkeypatch.setenv("JWT_SECRET_KEY_FILE", "")
    monkeypatch.setenv("JWT_SECRET_KEY", KEY)

    assert load_settings(root).jwt_secret_key.get_secret_value() == KEY


def test_the_database_url_may_come_whole_from_a_file(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY", KEY)
{%- if cookiecutter.db_driver == "postgresql" %}
    url = "postgresql://app:from-a-file@db.internal:5432/app"
{%- else %}
    url = "sqlite:////var/lib/app/app.db"
{%- endif %}
    monkeypatch.setenv("DATABASE_URL_FILE", str(secret(root, "database-url", url + "\n")))

    assert load_settings(root).database_url.get_secret_value() == url
{%- if cookiecutter.db_driver == "postgresql" %}


def test_a_password_file_completes_the_database_url_as_the_driver_reads_it(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.internal:5432/app?sslmode=require")
    monkeypatch.setenv("DATABASE_PASSWORD_FILE", str(secret(root, "db", SECRET_PASSWORD + "\n")))

    settings = load_settings(root)
    config = parse_database_url(settings.database_url.get_secret_value())

    assert config.password == SECRET_PASSWORD
    assert (config.user, config.host, config.port, config.database) == (
        "app",
        "db.internal",
        5432,
        "app",
    )
    assert config.extra["sslmode"] == "require"
    assert SECRET_PASSWORD not in repr(settings)


def test_a_password_file_replaces_the_development_password_of_the_default_url(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_PASSWORD_FILE", str(secret(root, "db", SECRET_PASSWORD)))

    config = parse_database_url(load_settings(root).database_url.get_secret_value())

    assert (config.user, config.password) == ("app", SECRET_PASSWORD)


def test_a_password_file_beside_a_url_with_a_password_is_refused(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:other@db.internal:5432/app")
    monkeypatch.setenv("DATABASE_PASSWORD_FILE", str(secret(root, "db", SECRET_PASSWORD)))

    with pytest.raises(ConfigurationError) as caught:
        load_settings(root)

    assert "DATABASE_PASSWORD_FILE: the URL it completes already holds a password" in str(
        caught.value
    )
{%- endif %}
{%- if cookiecutter.use_redis == "true" %}


def test_a_password_file_completes_the_redis_url_as_the_client_reads_it(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY", KEY)
    monkeypatch.setenv("REDIS_URL", "redis://redis.internal:6379/0")
    monkeypatch.setenv("REDIS_PASSWORD_FILE", str(secret(root, "redis", SECRET_PASSWORD + "\n")))

    url = load_settings(root).redis_url.get_secret_value()
    connection = redis.Redis.from_url(url).connection_pool.connection_kwargs

    assert connection["password"] == SECRET_PASSWORD
    assert (connection["host"], connection["port"], connection["db"]) == (
        "redis.internal",
        6379,
        0,
    )


def test_a_redis_password_file_without_a_redis_url_is_refused(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY", KEY)
    monkeypatch.delenv("REDIS_URL")
    monkeypatch.setenv("REDIS_PASSWORD_FILE", str(secret(root, "redis", SECRET_PASSWORD)))

    with pytest.raises(ConfigurationError) as caught:
        load_settings(root)

    assert "REDIS_PASSWORD_FILE is a password for REDIS_URL: set that too" in str(caught.value)
{%- endif %}
