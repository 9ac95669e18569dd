"""GetUser and CheckReadiness: queries read rows straight into read models."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from app.application.dto.principal import Principal
from app.application.handlers.queries.check_readiness_handler import handle_check_readiness
from app.application.handlers.queries.get_user_handler import handle_get_user
from app.application.queries.check_readiness import CheckReadinessQuery
from app.application.queries.get_user import GetUserQuery
from app.application.read_models.readiness import ReadinessReadModel
from app.domain.errors import AuthorizationError, NotFoundError
from app.domain.value_objects.role import Role

from .fakes import FakeReadDatabase

ALICE = uuid.uuid4()
BOB = uuid.uuid4()
ADMIN = uuid.uuid4()
GHOST = uuid.uuid4()
CREATED = datetime(2030, 1, 1, tzinfo=UTC)


def row(user_id: uuid.UUID, email: str, role: str = "user") -> dict[str, Any]:
    # Rows come back with string ids and timestamps, as SQLite returns them.
    return {"id": str(user_id), "email": email, "role": role, "created_at": CREATED.isoformat()}


@pytest.fixture
def reader() -> FakeReadDatabase:
    return FakeReadDatabase(
        {
            "users.get_by_id": [
                row(ALICE, "alice@example.com"),
                row(BOB, "bob@example.com"),
                row(ADMIN, "admin@example.com", "admin"),
            ]
        }
    )


@pytest.mark.parametrize(
    ("requester", "target", "email"),
    [
        pytest.param(Principal(ALICE, Role.USER), ALICE, "alice@example.com", id="own-record"),
        pytest.param(Principal(ADMIN, Role.ADMIN), BOB, "bob@example.com", id="admin-reads-any"),
        pytest.param(Principal(ADMIN, Role.ADMIN), ADMIN, "admin@example.com", id="admin-self"),
    ],
)
async def test_get_user_allowed(
    reader: FakeReadDatabase, requester: Principal, target: uuid.UUID, email: str
) -> None:
    user = await handle_get_user(GetUserQuery(user_id=target, requester=requester), reader)
    assert (user.id, user.email, user.created_at) == (target, email, CREATED)
    assert not {"password", "password_hash"} & set(user.model_dump())


@pytest.mark.parametrize(
    "target",
    [pytest.param(BOB, id="existing-other-user"), pytest.param(GHOST, id="non-existent-id")],
)
async def test_get_user_forbidden_for_anyone_else(
    reader: FakeReadDatabase, target: uuid.UUID
) -> None:
    with pytest.raises(AuthorizationError) as caught:
        await handle_get_user(
            GetUserQuery(user_id=target, requester=Principal(ALICE, Role.USER)), reader
        )
    assert caught.value.code == "FORBIDDEN"
    assert reader.calls == [], "authorisation is decided before the database is asked"


async def test_get_user_missing_for_admin_is_not_found(reader: FakeReadDatabase) -> None:
    with pytest.raises(NotFoundError) as caught:
        await handle_get_user(
            GetUserQuery(user_id=GHOST, requester=Principal(ADMIN, Role.ADMIN)), reader
        )
    assert caught.value.code == "USER_NOT_FOUND"


async def test_get_user_uses_the_named_query(reader: FakeReadDatabase) -> None:
    await handle_get_user(
        GetUserQuery(user_id=ALICE, requester=Principal(ALICE, Role.USER)), reader
    )
    assert reader.calls == [("users.get_by_id", {"id": str(ALICE)})]


async def test_check_readiness_pings_the_database() -> None:
    reader = FakeReadDatabase({"health.ping": [{"ok": 1}]})
    result = await handle_check_readiness(CheckReadinessQuery(), reader)
    assert result == ReadinessReadModel(status="ready", database="ok")
    assert reader.calls == [("health.ping", {})]


async def test_check_readiness_propagates_a_database_failure() -> None:
    class BrokenDatabase(FakeReadDatabase):
        async def fetch_all(self, query: str, params: Any = None) -> list[dict[str, Any]]:
            raise ConnectionError("database is down")

    with pytest.raises(ConnectionError):
        await handle_check_readiness(CheckReadinessQuery(), BrokenDatabase())
