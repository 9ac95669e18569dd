"""DATABASE_URL parsing and settings loading, with real files in a temporary root."""

import base64
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.infrastructure.config import (
    DATABASE_DRIVER,
    ENVIRONMENTS,
    PROJECT_ROOT,
    ConfigurationError,
    Settings,
    load_settings,
)
from app.infrastructure.db.database_url import DatabaseUrlError, parse_database_url
from app.infrastructure.signing_key import (
    MIN_ESTIMATED_BITS,
    estimated_bits,
    is_placeholder,
    key_problem,
)

from .builders import DRIVER_MISMATCH, OTHER_DRIVER, url_with_secret

PASSWORD = "s3cr3t-Passw0rd"
JWT_SECRET = "a-jwt-signing-key-that-is-long-enough-for-prod-0123456789"
{%- if cookiecutter.use_redis == "true" %}
# Outside local REDIS_URL is required (test_redis_settings.py); these tests are about the
# other settings, and build them without connecting to anything.
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(autouse=True)
def _redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
{%- endif %}


@pytest.mark.parametrize(
    ("url", "database"),
    [
        ("sqlite+aiosqlite:///./dev.db", "./dev.db"),
        ("sqlite:///rel.db", "rel.db"),
        ("sqlite:////abs/x.db", "/abs/x.db"),
    ],
)
def test_sqlite_urls_name_a_file(url: str, database: str) -> None:
    config = parse_database_url(url)

    assert config.driver == "sqlite"
    assert config.database == database


def test_postgresql_url_is_split_and_unquoted() -> None:
    config = parse_database_url(
        "postgresql://u:p%40ss@h:5433/db?sslmode=require", pool_size=3, pool_timeout=2.5
    )

    assert config.driver == "postgresql"
    assert (config.host, config.port, config.user, config.database) == ("h", 5433, "u", "db")
    assert config.password == "p@ss"
    assert config.extra["sslmode"] == "require"
    assert (config.pool_size, config.pool_timeout) == (3, 2.5)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///:memory:",
        "sqlite+aiosqlite:///:memory:",
        "sqlite://relative-without-slash.db",
        f"mysql://root:{PASSWORD}@db:3306/app",
        f"postgresql://root:{PASSWORD}@db:not-a-port/app",
        f"postgresql://root:{PASSWORD}@db:5432/",
        "",
    ],
)
def test_bad_urls_are_rejected_without_echoing_the_password(url: str) -> None:
    with pytest.raises(DatabaseUrlError) as raised:
        parse_database_url(url)

    assert PASSWORD not in str(raised.value)


def test_settings_errors_do_not_echo_secrets() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(
            _env_file=None,
            database_url=f"mysql://root:{PASSWORD}@db/app",
        )

    assert PASSWORD not in str(raised.value)


def test_the_pool_wait_may_not_outlast_the_query_deadline_it_counts_in() -> None:
    defaults = Settings(_env_file=None)
    assert defaults.database_pool_timeout_seconds <= defaults.database_query_timeout_seconds
    Settings(_env_file=None, database_pool_timeout_seconds=2, database_query_timeout_seconds=2)

    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, database_pool_timeout_seconds=3, database_query_timeout_seconds=2)

    expected = "DATABASE_POOL_TIMEOUT_SECONDS (3) may not exceed DATABASE_QUERY_TIMEOUT_SECONDS (2)"
    assert expected in str(raised.value)


def test_settings_repr_hides_the_database_password_and_jwt_secret() -> None:
    settings = Settings(
        _env_file=None,
        database_url=url_with_secret(DATABASE_DRIVER, PASSWORD),
        jwt_secret_key=JWT_SECRET,
    )

    for text in (repr(settings), str(settings), str(settings.model_dump())):
        assert PASSWORD not in text
        assert JWT_SECRET not in text


@pytest.mark.parametrize("app_env", ["dev", "stage", "prod"])
@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("change-me-in-production", id="the-placeholder"),
        pytest.param("Change-Me-In-Production-Change-Me-Please!", id="a-long-placeholder"),
        pytest.param("too-short-0123456789", id="short"),
        pytest.param("a" * 32, id="one-character-repeated"),
        pytest.param("abcdefghijklmnopqrstuvwxyz012345", id="alphabet-then-digits"),
        pytest.param("0123456789" * 5, id="digits-wrapping"),
        pytest.param("zyxwvutsrqponmlkjihgfedcba987654", id="alphabet-backwards"),
        pytest.param("Xk9#mQ2!" * 5, id="a-repeated-block"),
        pytest.param("ab" * 20, id="alternating"),
        pytest.param("aabbccddeeffgghhiijjkkllmmnnoopp", id="doubled-sequence"),
        pytest.param("qwertyuiopasdfghjklzxcvbnm123456", id="keyboard-rows"),
        pytest.param("0123456789abcdef" * 2, id="hex-digits-in-order"),
        pytest.param(bytes(range(32)).hex(), id="hex-counter"),
        pytest.param(bytes(range(32)).hex().upper(), id="hex-counter-upper"),
        pytest.param(bytes(range(200, 8, -6)).hex(), id="hex-countdown-by-six"),
        pytest.param(secrets.token_urlsafe(12) * 4, id="random-block-repeated"),
    ],
)
def test_shared_environments_refuse_a_guessable_or_short_jwt_secret(
    app_env: str, secret: str
) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET_KEY must be a random value") as raised:
        Settings(_env_file=None, app_env=app_env, jwt_secret_key=secret)

    assert secret not in str(raised.value)


def test_a_key_of_too_few_random_bytes_is_refused_for_that() -> None:
    """token_hex(16) is 32 characters but 128 random bits at best, at the limit."""
    problems = [key_problem(secrets.token_hex(16), "prod") for _ in range(500)]
    refused = [problem for problem in problems if problem]

    assert len(refused) > 400  # about 96 %: any chance pattern takes it under the limit
    for problem in refused:
        assert re.search(
            r"\(this one is too predictable: an estimated \d+ random bits of the 128 needed, "
            r"from too few random bytes, such as token_hex\(16\)'s, or from characters that "
            r"repeat or run in sequence\); generate one with: .*token_urlsafe\(48\)",
            problem,
        ), problem


@pytest.mark.parametrize(
    "make_key",
    [
        pytest.param(lambda: secrets.token_urlsafe(48), id="token_urlsafe-48"),
        pytest.param(lambda: secrets.token_urlsafe(32), id="token_urlsafe-32"),
        pytest.param(lambda: secrets.token_hex(32), id="token_hex-32"),
        pytest.param(lambda: secrets.token_hex(32).upper(), id="token_hex-32-upper"),
        pytest.param(lambda: base64.b64encode(secrets.token_bytes(32)).decode(), id="base64-32"),
    ],
)
def test_prod_accepts_every_real_random_key(make_key: Callable[[], str]) -> None:
    refused = [key for key in (make_key() for _ in range(2000)) if key_problem(key, "prod")]

    assert refused == []
    assert Settings(_env_file=None, app_env="prod", jwt_secret_key=make_key()).app_env == "prod"


@pytest.mark.parametrize("app_env", ["dev", "stage", "prod"])
@pytest.mark.parametrize("unset", ["", "   "], ids=["empty", "blank"])
def test_shared_environments_refuse_to_start_without_a_key(app_env: str, unset: str) -> None:
    with pytest.raises(ValidationError, match=r"JWT_SECRET_KEY must be a .* \(it is not set\)"):
        Settings(_env_file=None, app_env=app_env, jwt_secret_key=unset)


def test_prod_accepts_a_long_random_jwt_secret() -> None:
    settings = Settings(
        _env_file=None,
        app_env="prod",
        jwt_secret_key=JWT_SECRET,
    )

    assert settings.app_env == "prod"


@pytest.mark.parametrize("app_env", ENVIRONMENTS)
@pytest.mark.parametrize(
    "placeholder",
    [
        pytest.param("change-me-in-production", id="the-old-default"),
        pytest.param("CHANGEME", id="changeme"),
        pytest.param("my-local-secret", id="secret"),
    ],
)
def test_no_environment_accepts_a_placeholder(app_env: str, placeholder: str) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET_KEY must") as raised:
        Settings(_env_file=None, app_env=app_env, jwt_secret_key=placeholder)

    assert placeholder not in str(raised.value)


@pytest.mark.usefixtures("clean_environment")
def test_no_environment_at_all_signs_with_a_random_per_process_key(tmp_path: Path) -> None:
    """No .env, no APP_ENV, no config file: local, on a key nobody has published."""
    settings = load_settings(tmp_path)
    key = settings.jwt_secret_key.get_secret_value()

    assert settings.app_env == "local"
    assert settings.signs_with_a_per_process_key
    assert not is_placeholder(key)
    assert estimated_bits(key) >= MIN_ESTIMATED_BITS
    # Every app of this process verifies the tokens of the others.
    assert load_settings(tmp_path).jwt_secret_key.get_secret_value() == key
    other_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "from app.infrastructure.signing_key import per_process_key as k; print(k())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert other_process.stdout.strip() not in {"", key}


def test_a_developer_may_choose_a_key_of_their_own_locally() -> None:
    settings = Settings(_env_file=None, app_env="local", jwt_secret_key="dev-key")

    assert settings.jwt_secret_key.get_secret_value() == "dev-key"
    assert not settings.signs_with_a_per_process_key


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the environment the tests run in."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
{%- if cookiecutter.use_redis == "true" %}
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
{%- endif %}


def _write(path: Path, *lines: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.usefixtures("clean_environment")
def test_load_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(
        tmp_path / "config" / "local.env",
        "ACCESS_TOKEN_EXPIRE_MINUTES=45",
        "REFRESH_TOKEN_EXPIRE_DAYS=3",
        "LOG_LEVEL=DEBUG",
    )
    _write(tmp_path / ".env", "REFRESH_TOKEN_EXPIRE_DAYS=5", "LOG_LEVEL=ERROR")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    settings = load_settings(tmp_path)

    assert settings.app_env == "local"
    assert settings.access_token_expire_minutes == 45  # config/local.env over the default
    assert settings.refresh_token_expire_days == 5  # .env over config/local.env
    assert settings.log_level == "WARNING"  # the process environment over .env
    assert settings.bcrypt_rounds == 12  # nobody set it: the default


@pytest.mark.usefixtures("clean_environment")
def test_app_env_selects_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "config" / "local.env", "ACCESS_TOKEN_EXPIRE_MINUTES=45")
    _write(tmp_path / "config" / "stage.env", "ACCESS_TOKEN_EXPIRE_MINUTES=20")
    _write(tmp_path / ".env", "APP_ENV=stage", f"JWT_SECRET_KEY={JWT_SECRET}")

    assert load_settings(tmp_path).access_token_expire_minutes == 20
    monkeypatch.setenv("APP_ENV", "local")
    assert load_settings(tmp_path).access_token_expire_minutes == 45


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize("app_env", ["dev", "stage", "prod"])
def test_outside_local_a_missing_config_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_env: str
) -> None:
    """Not the defaults of a laptop (API docs on, DEBUG-friendly) in a shared environment."""
    _write(tmp_path / "config" / "local.env", "LOG_LEVEL=DEBUG")
    _write(tmp_path / ".env", f"APP_ENV={app_env}", f"JWT_SECRET_KEY={JWT_SECRET}")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path)

    assert str(raised.value) == (
        f"APP_ENV={app_env} needs config/{app_env}.env, which is not in {tmp_path}: run the "
        "service from the project directory or the image, where config/ sits next to app/"
    )


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize("where", ["process-environment", "dotenv"])
def test_app_env_in_lower_case_cannot_run_prod_on_another_environments_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """pydantic reads `app_env` as APP_ENV; load_settings picked the file by APP_ENV alone."""
    _write(tmp_path / "config" / "local.env", "LOG_LEVEL=DEBUG")  # no config/prod.env
    _write(tmp_path / ".env", f"JWT_SECRET_KEY={JWT_SECRET}")
    if where == "dotenv":
        _write(tmp_path / ".env", "app_env=prod", f"JWT_SECRET_KEY={JWT_SECRET}")
    else:
        monkeypatch.setenv("app_env", "prod")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path)

    assert str(raised.value) == (
        "The settings say APP_ENV=prod but config/local.env was loaded for APP_ENV=local: "
        "a variable spelled in another case (app_env) counts too; set APP_ENV once, in capitals"
    )


@pytest.mark.usefixtures("clean_environment")
def test_an_unknown_app_env_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")

    with pytest.raises(ConfigurationError, match="APP_ENV must be one of local, dev, stage, prod"):
        load_settings(tmp_path)


@pytest.mark.usefixtures("clean_environment")
def test_invalid_settings_are_reported_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / ".env", f"JWT_SECRET_KEY={JWT_SECRET}", "BCRYPT_ROUNDS=3")
    monkeypatch.setenv("DATABASE_URL", f"mysql://root:{PASSWORD}@db/app")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path)

    message = str(raised.value)
    assert "DATABASE_URL" in message
    assert "BCRYPT_ROUNDS" in message
    assert PASSWORD not in message
    assert JWT_SECRET not in message


@pytest.mark.usefixtures("clean_environment")
def test_a_url_for_the_other_driver_is_refused_naming_this_projects_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It parses, but this project has no driver for it: one sentence, not a driver error."""
    monkeypatch.setenv("DATABASE_URL", url_with_secret(OTHER_DRIVER, PASSWORD))

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path)

    assert str(raised.value) == f"Invalid configuration (local): {DRIVER_MISMATCH}"


@pytest.mark.usefixtures("clean_environment")
def test_every_shipped_environment_file_loads_with_what_it_should_turn_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    monkeypatch.setenv("JWT_SECRET_KEY", JWT_SECRET)
    loaded = {}
    for environment in ENVIRONMENTS:
        monkeypatch.setenv("APP_ENV", environment)
        settings = load_settings(tmp_path)
        loaded[settings.app_env] = (
            settings.log_format,
            settings.api_docs_enabled,
            settings.hsts_seconds,
            settings.token_audience,
        )

    # Readable logs and no HSTS on a laptop; interactive docs only where no public reaches.
    year = 365 * 24 * 60 * 60
    slug = {{ cookiecutter.project_slug | tojson }}
    assert loaded == {
        "local": ("console", True, 0, f"{slug}:local"),
        "dev": ("json", True, year, f"{slug}:dev"),
        "stage": ("json", False, year, f"{slug}:stage"),
        "prod": ("json", False, year, f"{slug}:prod"),
    }
    # With no config file at all, the default is what log collectors read.
    assert Settings(_env_file=None).log_format == "json"
{%- if cookiecutter.db_driver == "postgresql" %}


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize(
    ("read_url", "problem"),
    [
        pytest.param(
            url_with_secret("sqlite", PASSWORD),
            DRIVER_MISMATCH.replace("DATABASE_URL", "DATABASE_READ_URL"),
            id="other-driver",
        ),
        pytest.param(
            f"postgresql://app:{PASSWORD}@/app",
            "DATABASE_READ_URL looks like postgresql://user:password@host:5432/dbname",
            id="no-host",
        ),
    ],
)
def test_a_bad_database_read_url_is_refused_by_its_own_name_without_echoing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_url: str, problem: str
) -> None:
    monkeypatch.setenv("DATABASE_READ_URL", read_url)

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path)

    message = str(raised.value)
    assert problem in message
    assert PASSWORD not in message


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize("line", ["", "DATABASE_READ_URL=", "DATABASE_READ_URL=''"])
def test_an_unset_or_empty_database_read_url_means_no_replica(tmp_path: Path, line: str) -> None:
    _write(tmp_path / ".env", line)

    assert load_settings(tmp_path).database_read_url is None


def test_the_database_read_url_is_never_shown() -> None:
    settings = Settings(
        _env_file=None, database_read_url=f"postgresql://app:{PASSWORD}@replica:5432/app"
    )

    assert PASSWORD not in repr(settings)
    assert PASSWORD not in str(settings.model_dump())
{%- endif %}


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize(
    ("timings", "refusal"),
    [
        (
            {"EVENTS_CLAIM_SECONDS": "10", "EVENTS_SUBSCRIBER_TIMEOUT_SECONDS": "10"},
            "EVENTS_CLAIM_SECONDS (10) must exceed EVENTS_SUBSCRIBER_TIMEOUT_SECONDS (10): a "
            "relay's claim has to outlast the subscribers it waits for",
        ),
{%- if cookiecutter.use_redis == "true" %}
        (
            {"EVENTS_CLAIM_IDLE_SECONDS": "30", "EVENTS_RETRY_MAX_SECONDS": "30"},
            "EVENTS_CLAIM_IDLE_SECONDS (30) must exceed EVENTS_RETRY_MAX_SECONDS and "
            "EVENTS_SUBSCRIBER_TIMEOUT_SECONDS (30): a consumer that is waiting to retry is "
            "not dead",
        ),
        (
            {
                "EVENTS_CLAIM_IDLE_SECONDS": "20",
                "EVENTS_RETRY_MAX_SECONDS": "5",
                "EVENTS_SUBSCRIBER_TIMEOUT_SECONDS": "25",
                "EVENTS_CLAIM_SECONDS": "60",
            },
            "EVENTS_CLAIM_IDLE_SECONDS (20) must exceed EVENTS_RETRY_MAX_SECONDS and "
            "EVENTS_SUBSCRIBER_TIMEOUT_SECONDS (25): a consumer that is waiting to retry is "
            "not dead",
        ),
{%- endif %}
    ],
    ids=[
        "claim-within-subscriber-timeout",
{%- if cookiecutter.use_redis == "true" %}
        "claim-idle-within-retry-wait",
        "claim-idle-within-subscriber-timeout",
{%- endif %}
    ],
)
def test_event_timings_that_do_not_fit_together_are_refused_in_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, timings: dict[str, str], refusal: str
) -> None:
    for name, value in timings.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path)

    # One problem, in one line, that names both settings and says why.
    message = str(raised.value)
    assert message.startswith("Invalid configuration (local): "), message
    assert message.endswith(refusal), message
    assert "\n" not in message
    assert "; " not in message, "a second problem was reported"
