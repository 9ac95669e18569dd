"""The composition root builds everything once and closes it on the way out."""

from typing import Any

import bcrypt
import pytest
from pydantic import SecretStr
from sql_statements import execute_sql, fetch_column

from app import bootstrap
from app.application.commands.change_password import ChangePasswordCommand
from app.application.commands.create_user import CreateUserCommand
from app.application.commands.login_user import LoginUserCommand
from app.application.commands.logout_user import LogoutUserCommand
from app.application.commands.purge_expired_tokens import PurgeExpiredTokensCommand
from app.application.commands.refresh_token import RefreshTokenCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.queries.check_readiness import CheckReadinessQuery
from app.application.queries.get_user import GetUserQuery
from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine as real_create_engine

CLIENT = "192.0.2.1"  # the address bucket a login comes from


async def test_every_built_in_handler_is_discovered(settings: Settings) -> None:
    # A superset check: features you add bring their own handlers.
    async with bootstrap.build_container(settings) as container:
        assert container.command_bus.message_types >= {
            RegisterUserCommand,
            LoginUserCommand,
            LogoutUserCommand,
            RefreshTokenCommand,
            ChangePasswordCommand,
            CreateUserCommand,
            PurgeExpiredTokensCommand,
        }
        assert container.query_bus.message_types >= {GetUserQuery, CheckReadinessQuery}


class _EngineSpy:
    """Wraps create_engine and counts how often the engines it made were closed."""

    def __init__(self) -> None:
        self.created = 0
        self.closed = 0

    def create_engine(self, settings: Settings, url: SecretStr | None = None) -> Any:
        engine = real_create_engine(settings, url)
        close = engine.close

        async def counting_close() -> None:
            self.closed += 1
            await close()

        engine.close = counting_close
        self.created += 1
        return engine


@pytest.fixture
def engine_spy(monkeypatch: pytest.MonkeyPatch) -> _EngineSpy:
    spy = _EngineSpy()
    monkeypatch.setattr(bootstrap, "create_engine", spy.create_engine)
    return spy


async def test_the_engine_is_closed_on_exit(settings: Settings, engine_spy: _EngineSpy) -> None:
    async with bootstrap.build_container(settings) as container:
        await container.query_bus.dispatch(CheckReadinessQuery())
        assert (engine_spy.created, engine_spy.closed) == (1, 0)

    assert (engine_spy.created, engine_spy.closed) == (1, 1)


async def test_the_engine_is_closed_when_the_body_fails(
    settings: Settings, engine_spy: _EngineSpy
) -> None:
    async def fail_while_open() -> None:
        async with bootstrap.build_container(settings) as container:
            await container.query_bus.dispatch(CheckReadinessQuery())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_while_open()

    assert (engine_spy.created, engine_spy.closed) == (1, 1)
{%- if cookiecutter.db_driver == "postgresql" %}


async def test_a_read_replica_gets_an_engine_of_its_own_closed_on_exit_too(
    settings: Settings, engine_spy: _EngineSpy
) -> None:
    # The primary's URL stands in for a replica's: the engines are counted, not used.
    with_replica = settings.model_copy(update={"database_read_url": settings.database_url})

    async with bootstrap.build_container(with_replica) as container:
        await container.query_bus.dispatch(CheckReadinessQuery())
        assert (engine_spy.created, engine_spy.closed) == (2, 0)

    assert (engine_spy.created, engine_spy.closed) == (2, 2)
{%- endif %}


async def test_login_replaces_a_plain_bcrypt_hash_with_a_prehashed_one(settings: Settings) -> None:
    """Hashes stored before passwords could pass 72 bytes keep working, once, and are
    replaced at that login by the form that reads every character."""
    email, password = "legacy@example.com", "a password from before"
    database_url = settings.database_url.get_secret_value()
    async with bootstrap.build_container(settings) as container:
        await container.command_bus.dispatch(RegisterUserCommand(email=email, password=password))
    plain = bcrypt.hashpw(password.encode(), bcrypt.gensalt(settings.bcrypt_rounds)).decode()
    execute_sql(
        database_url,
        "UPDATE users SET password_hash = :hash WHERE email = 'legacy@example.com'",
        {"hash": plain},
    )

    async with bootstrap.build_container(settings) as container:
        await container.command_bus.dispatch(
            LoginUserCommand(email=email, password=password, address_bucket=CLIENT)
        )
        [stored] = fetch_column(
            database_url, "SELECT password_hash FROM users WHERE email = 'legacy@example.com'"
        )
        assert stored.startswith(f"hmac-sha256$2b${settings.bcrypt_rounds:02d}$")
        await container.command_bus.dispatch(
            LoginUserCommand(email=email, password=password, address_bucket=CLIENT)
        )


async def test_login_upgrades_a_hash_made_before_the_cost_was_raised(settings: Settings) -> None:
    email, password = "cost@example.com", "a long enough password"
    async with bootstrap.build_container(settings) as container:
        await container.command_bus.dispatch(RegisterUserCommand(email=email, password=password))
    stronger = settings.model_copy(update={"bcrypt_rounds": settings.bcrypt_rounds + 1})

    async with bootstrap.build_container(stronger) as container:
        await container.command_bus.dispatch(
            LoginUserCommand(email=email, password=password, address_bucket=CLIENT)
        )
        [stored] = fetch_column(
            settings.database_url.get_secret_value(),
            "SELECT password_hash FROM users WHERE email = 'cost@example.com'",
        )
        assert stored.startswith(f"hmac-sha256$2b${stronger.bcrypt_rounds:02d}$")
        # ...and the upgraded hash still opens the account.
        await container.command_bus.dispatch(
            LoginUserCommand(email=email, password=password, address_bucket=CLIENT)
        )
