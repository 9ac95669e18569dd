"""GetUser and CheckReadiness: queries read rows straight into read models."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from app.application.dto.principal import Principal
from app.application.handlers.queries.check_readiness_handler import handle_check_readiness
from app.application.handlers.queries.get_user_handler import handle_get_user
from app.application.ports.database_probe import DatabaseState
from app.application.queries.check_readiness import CheckReadinessQuery
from app.application.queries.get_user import GetUserQuery
from app.application.read_models.readiness import ReadinessChecks
from app.domain.errors import AuthenticationError, AuthorizationError, NotFoundError

from .fakes import FakeReadDatabase

# Fixed ids, ordered on purpose: Alice's sits between two other users', so an id check
# that compares by order instead of equality fails on one side or the other.
BELOW_ALICE = uuid.UUID("00000000-0000-4000-8000-000000000001")
ALICE = uuid.UUID("00000000-0000-4000-8000-000000000005")
BOB = uuid.UUID("00000000-0000-4000-8000-000000000009")
ADMIN = uuid.UUID("00000000-0000-4000-8000-00000000000a")
GHOST = uuid.UUID("00000000-0000-4000-8000-00000000000b")
PROMOTED = uuid.UUID("00000000-0000-4000-8000-00000000000c")
DELETED = uuid.UUID("00000000-0000-4000-8000-00000000000d")
CREATED = datetime(2030, 1, 1, tzinfo=UTC)


def row(user_id: uuid.UUID, email: str, role: str = "user") -> dict[str, Any]:
    # Rows come back with string ids and timestamps, as SQLite returns them.
    return {
        "id": str(user_id),
        "email": email,
        "role": role,
        "is_active": 1,
        "created_at": CREATED.isoformat(),
    }


@pytest.fixture
def reader() -> FakeReadDatabase:
    return FakeReadDatabase(
        {
            "users.get_by_id": [
                row(ALICE, "alice@example.com"),
                row(BOB, "bob@example.com"),
                row(BELOW_ALICE, "carol@example.com"),
                row(ADMIN, "admin@example.com", "admin"),
            ]
        }
    )


@pytest.mark.parametrize(
    ("requester", "target", "email"),
    [
        pytest.param(Principal(ALICE), ALICE, "alice@example.com", id="own-record"),
        pytest.param(Principal(ADMIN), BOB, "bob@example.com", id="admin-reads-any"),
        pytest.param(Principal(ADMIN), ADMIN, "admin@example.com", id="admin-self"),
    ],
)
async def test_get_user_allowed(
    reader: FakeReadDatabase, requester: Principal, target: uuid.UUID, email: str
) -> None:
    user = await handle_get_user(GetUserQuery(user_id=target, requester=requester), reader, reader)
    assert (user.id, user.email, user.created_at) == (target, email, CREATED)
    assert not {"password", "password_hash"} & set(user.model_dump())


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(BOB, id="existing-other-user-id-above"),
        pytest.param(BELOW_ALICE, id="existing-other-user-id-below"),
        pytest.param(GHOST, id="non-existent-id"),
    ],
)
async def test_get_user_forbidden_for_anyone_else(
    reader: FakeReadDatabase, target: uuid.UUID
) -> None:
    with pytest.raises(AuthorizationError) as caught:
        await handle_get_user(
            GetUserQuery(user_id=target, requester=Principal(ALICE)), reader, reader
        )
    assert caught.value.code == "FORBIDDEN"
    # Authorisation is decided from the requester's own row, before the target is looked up.
    assert reader.calls == [("users.get_by_id", {"id": str(ALICE)})]


async def test_get_user_reads_the_requesters_current_role(reader: FakeReadDatabase) -> None:
    """The role is the database's now: a user promoted since signing in reads others."""
    reader.add_user_row(row(PROMOTED, "promoted@example.com", "admin"))

    user = await handle_get_user(
        GetUserQuery(user_id=BOB, requester=Principal(PROMOTED)), reader, reader
    )

    assert user.email == "bob@example.com"


@pytest.mark.parametrize("target", [pytest.param(GHOST, id="any-id"), pytest.param(BOB, id="bob")])
async def test_get_user_for_a_requester_who_no_longer_exists_is_an_authentication_error(
    reader: FakeReadDatabase, target: uuid.UUID
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await handle_get_user(
            GetUserQuery(user_id=target, requester=Principal(DELETED)), reader, reader
        )
    assert caught.value.code == "INVALID_TOKEN"


async def test_get_user_missing_for_admin_is_not_found(reader: FakeReadDatabase) -> None:
    with pytest.raises(NotFoundError) as caught:
        await handle_get_user(
            GetUserQuery(user_id=GHOST, requester=Principal(ADMIN)), reader, reader
        )
    assert caught.value.code == "USER_NOT_FOUND"


async def test_reading_yourself_is_one_query(reader: FakeReadDatabase) -> None:
    await handle_get_user(GetUserQuery(user_id=ALICE, requester=Principal(ALICE)), reader, reader)
    assert reader.calls == [("users.get_by_id", {"id": str(ALICE)})]


async def test_get_user_reads_the_requester_from_the_primary_and_the_target_from_the_replica(
    reader: FakeReadDatabase,
) -> None:
    """A replica behind the primary: it knows neither the new admin nor the promotion."""
    primary = FakeReadDatabase({"users.get_by_id": [row(PROMOTED, "new@example.com", "admin")]})

    user = await handle_get_user(
        GetUserQuery(user_id=BOB, requester=Principal(PROMOTED)), reader, primary
    )

    assert user.email == "bob@example.com"
    assert primary.calls == [("users.get_by_id", {"id": str(PROMOTED)})]
    assert reader.calls == [("users.get_by_id", {"id": str(BOB)})]


EXPECTED_VERSION = 2


class _Probe:
    def __init__(self, state: DatabaseState) -> None:
        self.state = state

    async def probe(self) -> DatabaseState:
        return self.state


@pytest.mark.parametrize(
    ("state", "checks"),
    [
        pytest.param(
            DatabaseState(reachable=True, schema_version=2, writable=True),
            ("ok", "ok", "ok"),
            id="ready",
        ),
        pytest.param(
            DatabaseState(reachable=True, schema_version=3, writable=True),
            ("ok", "ok", "ok"),
            id="migrated-further-by-a-newer-release",
        ),
        pytest.param(
            DatabaseState(reachable=False),
            ("failed", "not_checked", "not_checked"),
            id="unreachable",
        ),
        pytest.param(
            DatabaseState(reachable=True),
            ("ok", "failed", "not_checked"),
            id="never-migrated",
        ),
        pytest.param(
            DatabaseState(reachable=True, schema_version=1, writable=True),
            ("ok", "failed", "ok"),
            id="behind",
        ),
        pytest.param(
            DatabaseState(reachable=True, schema_version=2, writable=False),
            ("ok", "ok", "failed"),
            id="read-only",
        ),
    ],
)
async def test_check_readiness_names_each_check(
    state: DatabaseState, checks: tuple[str, str, str]
) -> None:
    result = await handle_check_readiness(
        CheckReadinessQuery(), _Probe(state), EXPECTED_VERSION, {}
    )

    reachable, migrated, writable = checks
    assert result.checks == ReadinessChecks(
        database_reachable=reachable, schema_migrated=migrated, database_writable=writable
    )
    assert result.ready is (checks == ("ok", "ok", "ok"))


class _Reachable:
    def __init__(self, answers: bool) -> None:
        self.answers = answers
        self.asked = 0

    async def reachable(self) -> bool:
        self.asked += 1
        return self.answers


@pytest.mark.parametrize("database_up", [True, False], ids=["database-up", "database-down"])
async def test_check_readiness_asks_every_dependency_whatever_the_database_says(
    database_up: bool,
) -> None:
    up, down = _Reachable(True), _Reachable(False)
    state = DatabaseState(reachable=database_up, schema_version=2, writable=True)

    result = await handle_check_readiness(
        CheckReadinessQuery(),
        _Probe(state),
        EXPECTED_VERSION,
        {"cache": up, "broker": down, "replica": None},
    )

    assert result.dependencies == {"cache": "ok", "broker": "failed", "replica": "not_configured"}
    assert (up.asked, down.asked) == (1, 1)
    # A shared dependency down degrades the service; only the database makes it unready.
    assert result.ready is database_up
    assert result.degraded is True


async def test_a_dependency_left_unconfigured_does_not_make_the_service_unready() -> None:
    state = DatabaseState(reachable=True, schema_version=2, writable=True)

    result = await handle_check_readiness(
        CheckReadinessQuery(),
        _Probe(state),
        EXPECTED_VERSION,
        {"cache": _Reachable(True), "replica": None},
    )

    assert result.ready is True
    assert result.degraded is False
