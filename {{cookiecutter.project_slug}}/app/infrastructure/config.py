"""Typed settings from the environment, with per-environment defaults.

Precedence, highest first: process environment, `.env`, `config/<APP_ENV>.env`,
the defaults below.
"""

import os
{%- if cookiecutter.use_redis == "true" %}
import socket
{%- endif %}
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.infrastructure.cors_origin import origin_problem
from app.infrastructure.cpu_cores import cores_given
from app.infrastructure.db.database_url import parse_database_url, require_driver
from app.infrastructure.db.migrate import DEFAULT_LOCK_TIMEOUT_SECONDS
from app.infrastructure.logging import LogFormat
{%- if cookiecutter.use_redis == "true" %}
from app.infrastructure.redis.redis_url import require_redis_url
{%- endif %}
from app.infrastructure.secret_files import SecretFile, apply_secret_files
from app.infrastructure.signing_key import key_problem, per_process_key

PROJECT_ROOT = Path(__file__).resolve().parents[2]
Environment = Literal["local", "dev", "stage", "prod"]
ENVIRONMENTS: tuple[Environment, ...] = ("local", "dev", "stage", "prod")
# The driver this project was generated for: the only one it installs.
DATABASE_DRIVER = {{ cookiecutter.db_driver | tojson }}
DEFAULT_DATABASE_URL = {% if cookiecutter.db_driver == "postgresql" -%}
    "postgresql://app:app@localhost:5432/app"
{%- else -%}
    "sqlite+aiosqlite:///./dev.db"
{%- endif %}
# Each secret may come from a file instead, such as a Docker secret in /run/secrets
# (app/infrastructure/secret_files.py); a password file completes a URL without one.
SECRET_FILES = (
    SecretFile("jwt_secret_key_file", "jwt_secret_key"),
    SecretFile("database_url_file", "database_url"),
{%- if cookiecutter.db_driver == "postgresql" %}
    SecretFile("database_password_file", "database_url", is_password_of_url=True),
    SecretFile("database_read_url_file", "database_read_url"),
{%- endif %}
{%- if cookiecutter.use_redis == "true" %}
    SecretFile("redis_url_file", "redis_url"),
    SecretFile("redis_password_file", "redis_url", is_password_of_url=True),
{%- endif %}
)


class Settings(BaseSettings):
    # hide_input_in_errors: a ValidationError must not echo DATABASE_URL or JWT_SECRET_KEY.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    app_env: Environment = "local"
    app_name: str = {{ cookiecutter.project_name | tojson }}
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
{%- if cookiecutter.db_driver == "postgresql" %}
    # A hot standby of DATABASE_URL for query handlers to read (README.md, "Reading from a
    # replica"); unset, they read from DATABASE_URL.
    database_read_url: SecretStr | None = None
{%- endif %}
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # The pool wait counts inside DATABASE_QUERY_TIMEOUT_SECONDS, so it may not be longer.
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # The most any database operation may take, waiting for a pooled connection included;
    # past it the request is answered 503 with Retry-After.
    database_query_timeout_seconds: float = Field(default=5.0, gt=0)
    # How long `migrate` waits for a lock: another migrate's, or a table in use.
    migration_lock_timeout_seconds: float = Field(default=DEFAULT_LOCK_TIMEOUT_SECONDS, gt=0)
    # Files that hold a secret setting (SECRET_FILES above): empty means none.
    jwt_secret_key_file: str = ""
    database_url_file: str = ""
{%- if cookiecutter.db_driver == "postgresql" %}
    database_password_file: str = ""
    database_read_url_file: str = ""
{%- endif %}
{%- if cookiecutter.use_redis == "true" %}
    redis_url_file: str = ""
    redis_password_file: str = ""
{%- endif %}
    # Unset (or empty) means a random key per process, and only in local: see signing_key.py.
    jwt_secret_key: SecretStr = Field(default=SecretStr(""), validate_default=True)
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    # Who mints the tokens (`iss`) and who they are for (`aud`): both are checked on every
    # request. Not the display name, which may change. An empty audience means
    # "<JWT_ISSUER>:<APP_ENV>", so a stage token is refused by prod even with a shared key.
    jwt_issuer: str = Field(default={{ cookiecutter.project_slug | tojson }}, min_length=1)
    jwt_audience: str = ""
    access_token_expire_minutes: int = Field(default=30, ge=1)
    # Verified access tokens remembered per process (expiry re-checked on each use); 0 = off.
    access_token_cache_size: int = Field(default=10_000, ge=0)
    # A refresh token unused this long expires (the idle timeout); a session, however
    # often it refreshes, ends SESSION_MAX_LIFETIME_DAYS after its login.
    refresh_token_expire_days: int = Field(default=7, ge=1)
    session_max_lifetime_days: int = Field(default=30, ge=1)
    # Live sessions (logins) one account may hold; a login past it ends the oldest. 0: no cap.
    max_sessions_per_user: int = Field(default=0, ge=0)
    bcrypt_rounds: int = Field(default=12, ge=4, le=31)
    # A hash per core given (bcrypt releases the GIL): the event loop needs little CPU
    # beside them, and the operating system's scheduler still gives it its turns.
    bcrypt_max_concurrency: int = Field(default_factory=cores_given, ge=1)
    bcrypt_max_pending: int = Field(default=64, ge=1)
    # Per client address (IPv4, or IPv6 /64; per user once authenticated) and {% if cookiecutter.use_redis == "true" %}across
    # every process (counted in Redis){% else %}per
    # process{% endif %}; 0 turns one off.
    login_rate_limit_per_minute: int = Field(default=10, ge=0)
    register_rate_limit_per_minute: int = Field(default=5, ge=0)
    password_change_rate_limit_per_minute: int = Field(default=5, ge=0)
    logout_rate_limit_per_minute: int = Field(default=10, ge=0)
    # Refresh (app/application/services/refresh_throttle.py): tokens that did not work, per
    # client address; and refreshes per session, which a client refreshing once per access
    # token never comes near.
    refresh_failures_per_address_per_minute: int = Field(default=10, ge=0)
    refreshes_per_session_per_minute: int = Field(default=5, ge=0)
    # Failed logins per account, per window (app/application/services/login_throttle.py);
    # 0 turns one off. The ceiling counts only addresses that never signed in to the
    # account; one that did is exempt from it for LOGIN_KNOWN_ADDRESS_DAYS.
    login_failures_per_account_and_address: int = Field(default=5, ge=0)
    login_failures_per_account: int = Field(default=20, ge=0)
    login_failure_window_minutes: int = Field(default=15, ge=1)
    login_known_address_days: int = Field(default=30, ge=1)
{%- if cookiecutter.use_redis == "true" %}
    # Where every process of the service keeps its rate-limit and login counters
    # (app/infrastructure/redis/); while it cannot be reached, throttled routes answer 503.
    # Unset (or empty): this process's memory, and only in local (shared_counters.py).
    redis_url: SecretStr = Field(default=SecretStr(""), validate_default=True)
    # The most one Redis call may take: connecting, waiting for a pooled connection
    # and the command together.
    redis_timeout_seconds: float = Field(default=1.0, gt=0)
{%- endif %}
    # Domain events (docs in README.md, "Domain events"): `relay-events` publishes what
    # the outbox holds, a batch at a time.
    events_batch_size: int = Field(default=100, ge=1, le=10_000)
    # How long a relay owns the events it claimed: past it, another relay publishes them
    # (again), so it must exceed the time a batch takes to publish.
    events_claim_seconds: float = Field(default=30.0, gt=0)
    # How often an idle relay{% if cookiecutter.use_redis == "true" %} or consumer{% endif %} looks for new events.
    events_poll_seconds: float = Field(default=0.5, ge=0.01)
    # While delivery keeps failing, the wait between attempts doubles up to this.
    events_retry_max_seconds: float = Field(default=30.0, gt=0)
    # The most one subscriber may take on one event; past it, that delivery failed.
    events_subscriber_timeout_seconds: float = Field(default=10.0, gt=0)
    # `purge-events` deletes published events and processed-event marks older than this;
    # longer than any redelivery can come late.
    events_retention_days: int = Field(default=7, ge=1)
{%- if cookiecutter.use_redis == "true" %}
    # The Redis Stream the relay appends to; empty means "<APP_NAME>:<APP_ENV>:events".
    events_stream: str = ""
    # The consumer group `consume-events` reads in: one per subscribing service.
    events_consumer_group: str = Field(default={{ cookiecutter.project_slug | tojson }}, min_length=1)
    # A consumer that held an event this long without acknowledging it counts as dead:
    # another takes the event over. Longer than a batch and the retry wait can take.
    events_claim_idle_seconds: float = Field(default=60.0, gt=0)
    # This consumer's name in the group; empty means the host's name. Keep it across
    # restarts (a container's hostname does): a consumer handles what it held first.
    events_consumer_name: str = ""
    # An entry whose subscribers failed this often (not for a database or Redis outage)
    # moves to the dead-letter stream "<EVENTS_STREAM>:dead", so it no longer holds up
    # the entries behind it.
    events_max_deliveries: int = Field(default=10, ge=1)
{%- endif %}
    max_request_body_bytes: int = Field(default=1_048_576, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # JSON lines for log collectors; config/local.env switches to readable lines.
    log_format: LogFormat = "json"
    # Interactive docs and the OpenAPI schema; config/stage.env and prod.env turn them off.
    api_docs_enabled: bool = True
    # Strict-Transport-Security on every response; unset means on outside local. Turn it
    # off only where the TLS-terminating proxy adds it.
    hsts_enabled: bool | None = None
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=1)
    # The HTTP server (`python -m app serve`), per process. Connections x header bytes
    # bounds what unauthenticated clients can make the process hold.
    http_max_connections: int = Field(default=1000, ge=1)
    http_max_header_bytes: int = Field(default=16_384, ge=1024)
    http_header_timeout_seconds: float = Field(default=10.0, gt=0)
    # From the headers to the last body byte: a slow handler is not counted.
    http_body_timeout_seconds: float = Field(default=10.0, gt=0)
    http_keep_alive_timeout_seconds: int = Field(default=5, ge=1)
    # Below Docker's 10 s stop grace period, so the database pool still closes cleanly.
    shutdown_timeout_seconds: int = Field(default=5, ge=1)
    # Peers whose X-Forwarded-For and X-Forwarded-Proto are believed: the reverse proxy.
    forwarded_allow_ips: str = "127.0.0.1"
    # Browser origins allowed to call the API, comma-separated (https://app.example.com);
    # empty: no CORS headers at all, so browsers keep other sites' pages out.
    cors_allow_origins: str = ""
    # Prometheus metrics (README.md, "Metrics"), served by `python -m app serve` on a port of
    # their own, never on the API's; 0 = none, and nothing is measured.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    # Loopback by default: the metrics are for the scraper, not for the API's clients.
    metrics_host: str = "127.0.0.1"

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_files(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        return apply_secret_files(values, SECRET_FILES, {"database_url": DEFAULT_DATABASE_URL})

    @field_validator("database_url")
    @classmethod
    def _database_url_is_understood(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        require_driver(url, DATABASE_DRIVER)
        parse_database_url(url)
        return value
{%- if cookiecutter.use_redis == "true" %}

    @field_validator("redis_url")
    @classmethod
    def _redis_url_is_understood(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        url = value.get_secret_value()
        if url.strip():
            require_redis_url(url)
        elif info.data.get("app_env", "local") != "local":
            # Counting per process behind several workers or instances multiplies every limit.
            raise ValueError(
                "REDIS_URL must be set outside local: the rate limits and the login throttle "
                "count in Redis, shared by every process"
            )
        return value
{%- endif %}
{%- if cookiecutter.db_driver == "postgresql" %}

    @field_validator("database_read_url", mode="before")
    @classmethod
    def _empty_read_url_is_unset(cls, value: object) -> object:
        # An empty `DATABASE_READ_URL=` (how many deploy tools leave a variable off) means
        # no replica, not a bad URL.
        return None if value == "" else value

    @field_validator("database_read_url")
    @classmethod
    def _database_read_url_is_understood(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        url = value.get_secret_value()
        try:
            require_driver(url, DATABASE_DRIVER)
            parse_database_url(url)
        except ValueError as error:
            # The parser's messages name DATABASE_URL; this URL came from the other setting.
            raise ValueError(str(error).replace("DATABASE_URL", "DATABASE_READ_URL")) from None
        return value
{%- endif %}

    @field_validator("cors_allow_origins")
    @classmethod
    def _cors_origins_are_origins(cls, value: str) -> str:
        for origin in _listed(value):
            problem = origin_problem(origin)
            if problem:
                raise ValueError(f"CORS_ALLOW_ORIGINS: {origin!r} {problem}")
        return value

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return _listed(self.cors_allow_origins)

    @field_validator("jwt_secret_key")
    @classmethod
    def _signing_key_is_secret(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        environment = info.data.get("app_env", "local")
        key = value.get_secret_value()
        if not key.strip() and environment == "local":
            return SecretStr(per_process_key())
        problem = key_problem(key, environment)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _pool_wait_fits_in_the_query_deadline(self) -> "Settings":
        # A longer pool timeout would never apply: the query deadline ends the wait first.
        if self.database_pool_timeout_seconds > self.database_query_timeout_seconds:
            raise ValueError(
                f"DATABASE_POOL_TIMEOUT_SECONDS ({self.database_pool_timeout_seconds:g}) may not "
                "exceed DATABASE_QUERY_TIMEOUT_SECONDS "
                f"({self.database_query_timeout_seconds:g}): the wait for a pooled connection "
                "counts inside the query deadline"
            )
        return self

    @model_validator(mode="after")
    def _event_timings_fit_together(self) -> "Settings":
        # A claim that runs out while its subscriber still works hands the event to another
        # relay at the same time.
        if self.events_claim_seconds <= self.events_subscriber_timeout_seconds:
            raise ValueError(
                f"EVENTS_CLAIM_SECONDS ({self.events_claim_seconds:g}) must exceed "
                f"EVENTS_SUBSCRIBER_TIMEOUT_SECONDS ({self.events_subscriber_timeout_seconds:g})"
                ": a relay's claim has to outlast the subscribers it waits for"
            )
{%- if cookiecutter.use_redis == "true" %}
        # Entries a consumer holds while it waits to retry, or while a subscriber works,
        # must not look abandoned to the other consumers.
        slowest = max(self.events_retry_max_seconds, self.events_subscriber_timeout_seconds)
        if self.events_claim_idle_seconds <= slowest:
            raise ValueError(
                f"EVENTS_CLAIM_IDLE_SECONDS ({self.events_claim_idle_seconds:g}) must exceed "
                "EVENTS_RETRY_MAX_SECONDS and EVENTS_SUBSCRIBER_TIMEOUT_SECONDS "
                f"({slowest:g}): a consumer that is waiting to retry is not dead"
            )
{%- endif %}
        return self

    @property
    def counts_per_process(self) -> bool:
        """Whether the rate limits and the login throttle count in this process only."""
{%- if cookiecutter.use_redis == "true" %}
        return not self.redis_url.get_secret_value().strip()
{%- else %}
        return True
{%- endif %}

{%- if cookiecutter.use_redis == "true" %}

    @property
    def event_stream_key(self) -> str:
        return self.events_stream or f"{self.app_name}:{self.app_env}:events"

    @property
    def event_consumer_name(self) -> str:
        # The same after a restart (a container keeps its hostname): what the consumer
        # held before it went down is its own again, delivered before anything newer.
        return self.events_consumer_name or socket.gethostname()
{%- endif %}

    @property
    def hsts_seconds(self) -> int:
        """The Strict-Transport-Security max-age to send; 0 sends none."""
        enabled = self.app_env != "local" if self.hsts_enabled is None else self.hsts_enabled
        return self.hsts_max_age_seconds if enabled else 0

    @property
    def token_audience(self) -> str:
        return self.jwt_audience.strip() or f"{self.jwt_issuer}:{self.app_env}"

    @property
    def signs_with_a_per_process_key(self) -> bool:
        """True when no key was configured and local development made one up."""
        return self.jwt_secret_key.get_secret_value() == per_process_key()


class ConfigurationError(RuntimeError):
    """Settings are missing or invalid; the message says which and how to fix it."""


def load_settings(root: Path = PROJECT_ROOT) -> Settings:
    """Build settings for the environment named by APP_ENV (default: local)."""
    dotenv = root / ".env"
    env = os.environ.get("APP_ENV") or dotenv_values(dotenv).get("APP_ENV") or "local"
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    shared = root / "config" / f"{env}.env"
    if env != "local" and not shared.is_file():
        # Without it a shared environment would run on the defaults, which suit a laptop.
        raise ConfigurationError(
            f"APP_ENV={env} needs config/{env}.env, which is not in {root}: run the service "
            "from the project directory or the image, where config/ sits next to app/"
        )
    try:
        # Later files win, so .env overrides the shared per-environment file.
        settings = Settings(_env_file=(shared, dotenv))
    except ValidationError as error:
        problems = "; ".join(_problem(issue) for issue in error.errors())
        raise ConfigurationError(f"Invalid configuration ({env}): {problems}") from None
    if settings.app_env != env:
        # pydantic matches names in any case, the choice of file above only APP_ENV.
        raise ConfigurationError(
            f"The settings say APP_ENV={settings.app_env} but config/{env}.env was loaded for "
            f"APP_ENV={env}: a variable spelled in another case (app_env) counts too; "
            "set APP_ENV once, in capitals"
        )
    return settings


def _problem(issue: ErrorDetails) -> str:
    # pydantic puts "Value error, " before the message of a validator of ours; those
    # messages already say what to fix, most of them naming the setting first.
    message = issue["msg"].removeprefix("Value error, ")
    if not issue["loc"]:
        return message  # a check across settings: its message names them
    setting = ".".join(str(part) for part in issue["loc"]).upper()
    return message if message.startswith(setting) else f"{setting}: {message}"


def _listed(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())
