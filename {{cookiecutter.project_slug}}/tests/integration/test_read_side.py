"""The query side: named SQL straight into read models, and readiness."""

{% if cookiecutter.db_driver == "postgresql" -%}
import socket
{% endif -%}
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from app.application.dto.principal import Principal
from app.application.queries.check_readiness import CheckReadinessQuery
from app.application.queries.get_user import GetUserQuery
from app.application.read_models.readiness import ReadinessChecks
from app.application.read_models.user import UserReadModel
from app.bootstrap import build_container
from app.domain.value_objects.role import Role
from app.infrastructure.config import Settings

from .builders import store_user


async def test_the_read_side_never_selects_the_password_hash(engine: Any) -> None:
    user = await store_user(engine)

    row = await engine.fetch_one("users.get_by_id", {"id": str(user.id_)})

    assert row is not None
    assert set(row) == {"id", "email", "role", "is_active", "created_at"}
    assert str(row["id"]) == str(user.id_)


async def test_get_user_reads_into_the_read_model(engine: Any, settings: Settings) -> None:
    user = await store_user(engine)
    me = Principal(user_id=user.id_.value)

    async with build_container(settings) as container:
        model = await container.query_bus.dispatch(
            GetUserQuery(user_id=user.id_.value, requester=me)
        )

    assert model == UserReadModel(
        id=user.id_.value,
        email=user.email.value,
        role=Role.USER,
        is_active=True,
        created_at=user.created_at,
    )


async def test_a_migrated_writable_database_is_ready(settings: Settings) -> None:
    async with build_container(settings) as container:
        result = await container.query_bus.dispatch(CheckReadinessQuery())

    assert result.checks == ReadinessChecks(
        database_reachable="ok", schema_migrated="ok", database_writable="ok"
    )
    assert result.ready


{%- if cookiecutter.db_driver == "postgresql" %}


def _unreachable_database_url(tmp_path: Path) -> str:
    # A loopback port nobody listens on: the connection is refused at once.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://nobody:secret@127.0.0.1:{port}/missing?connect_timeout=2"
{%- else %}


def _unreachable_database_url(tmp_path: Path) -> str:
    # SQLite cannot create a file in a directory that does not exist.
    return f"sqlite:///{tmp_path / 'no-such-directory' / 'app.db'}"
{%- endif %}


async def test_an_unreachable_database_makes_readiness_fail(
    settings: Settings, tmp_path: Path
) -> None:
    unreachable = settings.model_copy(
        update={"database_url": SecretStr(_unreachable_database_url(tmp_path))}
    )

    async with build_container(unreachable) as container:
        result = await container.query_bus.dispatch(CheckReadinessQuery())

    assert result.checks == ReadinessChecks(
        database_reachable="failed", schema_migrated="not_checked", database_writable="not_checked"
    )
    assert not result.ready
