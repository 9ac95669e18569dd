"""Typed settings from the environment, with per-environment defaults.

Precedence, highest first: process environment, `.env`, `config/<APP_ENV>.env`,
the defaults below.
"""

import os
from pathlib import Path
from typing import Literal, Self

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.infrastructure.db.database_url import parse_database_url, require_driver
from app.infrastructure.logging import LogFormat

PROJECT_ROOT = Path(__file__).resolve().parents[2]
Environment = Literal["local", "dev", "stage", "prod"]
ENVIRONMENTS: tuple[Environment, ...] = ("local", "dev", "stage", "prod")
MIN_SECRET_BYTES = 32
# The driver this project was generated for: the only one it installs.
DATABASE_DRIVER = {{ cookiecutter.db_driver | tojson }}
DEFAULT_DATABASE_URL = {% if cookiecutter.db_driver == "postgresql" -%}
    "postgresql://app:app@localhost:5432/app"
{%- else -%}
    "sqlite+aiosqlite:///./dev.db"
{%- endif %}
# Fragments of the well-known placeholders; a key containing one was never random.
PLACEHOLDER_FRAGMENTS = ("change-me", "changeme", "change_me", "secret", "password")


class Settings(BaseSettings):
    # hide_input_in_errors: a ValidationError must not echo DATABASE_URL or JWT_SECRET_KEY.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    app_env: Environment = "local"
    app_name: str = {{ cookiecutter.project_name | tojson }}
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    jwt_secret_key: SecretStr = SecretStr("change-me-in-production")
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_expire_minutes: int = Field(default=30, ge=1)
    refresh_token_expire_days: int = Field(default=7, ge=1)
    bcrypt_rounds: int = Field(default=12, ge=4, le=31)
    # One core stays free for the event loop while hashes run (bcrypt releases the GIL).
    bcrypt_max_concurrency: int = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) - 1), ge=1
    )
    bcrypt_max_pending: int = Field(default=64, ge=1)
    # Per client address (or per user once authenticated) and per process; 0 turns one off.
    login_rate_limit_per_minute: int = Field(default=10, ge=0)
    register_rate_limit_per_minute: int = Field(default=5, ge=0)
    password_change_rate_limit_per_minute: int = Field(default=5, ge=0)
    max_request_body_bytes: int = Field(default=1_048_576, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # JSON lines for log collectors; config/local.env switches to readable lines.
    log_format: LogFormat = "json"
    # Interactive docs and the OpenAPI schema; config/prod.env turns them off.
    api_docs_enabled: bool = True

    @field_validator("database_url")
    @classmethod
    def _database_url_is_understood(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        require_driver(url, DATABASE_DRIVER)
        parse_database_url(url)
        return value

    @model_validator(mode="after")
    def _shared_environments_need_a_real_secret(self) -> Self:
        # Only a developer's own machine may run on the placeholder: anywhere else a
        # guessable key lets anyone mint tokens, admin ones included.
        if self.app_env == "local":
            return self
        secret = self.jwt_secret_key.get_secret_value()
        guessable = any(fragment in secret.lower() for fragment in PLACEHOLDER_FRAGMENTS)
        if guessable or len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"JWT_SECRET_KEY must be a random value of at least {MIN_SECRET_BYTES} bytes "
                f"when APP_ENV is {self.app_env}; generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return self


class ConfigurationError(RuntimeError):
    """Settings are missing or invalid; the message says which and how to fix it."""


def load_settings(root: Path = PROJECT_ROOT) -> Settings:
    """Build settings for the environment named by APP_ENV (default: local)."""
    dotenv = root / ".env"
    env = os.environ.get("APP_ENV") or dotenv_values(dotenv).get("APP_ENV") or "local"
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    try:
        # Later files win, so .env overrides the shared per-environment file.
        return Settings(_env_file=(root / "config" / f"{env}.env", dotenv))
    except ValidationError as error:
        problems = "; ".join(_problem(issue) for issue in error.errors())
        raise ConfigurationError(f"Invalid configuration ({env}): {problems}") from None


def _problem(issue: ErrorDetails) -> str:
    setting = ".".join(str(part) for part in issue["loc"]).upper() or "SETTINGS"
    # pydantic puts "Value error, " before the message of a validator of ours; those
    # messages already say what to fix, most of them naming the setting first.
    message = issue["msg"].removeprefix("Value error, ")
    return message if message.startswith(setting) else f"{setting}: {message}"
