"""`python -m app relay-events` delivering to this service's own subscribers, as a real process.

Killed with SIGKILL while it delivers, again and again, it leaves every event
handled once in effect: one account_activity row per event, in each account's
order. Stopped with SIGTERM, it finishes the batch in hand and exits 0. And the
events of an HTTP registration and password change reach the subscriber through it.
Its log says where it publishes, and what each batch did.
{%- if cookiecutter.use_redis == "true" %}

Without REDIS_URL the relay hands events to the subscribers itself: these tests
run it that way (tests/events/test_redis_event_failures.py covers the stream).
{%- endif %}
"""

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from contract.helpers import CHANGE_PASSWORD, PASSWORD, bearer, login, register, running_client
from row_query import Engine

from app.domain.entities.user import UserEntity
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine, load_sql_registry
from app.infrastructure.db.database_url import parse_database_url
from app.infrastructure.db.unit_of_work import SqlUnitOfWork

from .worker_process import WorkerGroup, wait_for

USERS = 120
# Each account: registered, then its password changed twice, in one transaction.
ACTIVITIES_PER_USER = ["registered", "password_changed", "password_changed"]
EVENTS = USERS * len(ACTIVITIES_PER_USER)
# Kills to land between a subscriber's commit and the batch's mark: the window that
# makes the next relay deliver an event again. A kill elsewhere does not count.
KILLS_IN_THE_WINDOW = 3
MOST_STARTS = 12
# Generous: a loaded machine may take seconds to start a process. Only a hang hits it.
WITHIN = 60.0
RELAY_SETTINGS = {
    "EVENTS_BATCH_SIZE": "20",
    # A dead relay's claim runs out after a second: its events go to the next one. The
    # claim has to outlast a subscriber's time.
    "EVENTS_CLAIM_SECONDS": "1",
    "EVENTS_SUBSCRIBER_TIMEOUT_SECONDS": "0.5",
    "EVENTS_POLL_SECONDS": "0.05",
    "EVENTS_RETRY_MAX_SECONDS": "0.2",
    "LOG_LEVEL": "WARNING",
{%- if cookiecutter.use_redis == "true" %}
    "REDIS_URL": "",
{%- endif %}
}
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[WorkerGroup]:
    group = WorkerGroup(tmp_path)
    try:
        yield group
    finally:
        group.kill_all()


class Tally:
    """The test's own look at the database while relays write to it."""

    def __init__(self, database_url: str) -> None:
        config = parse_database_url(database_url, pool_size=1)
        self._engine = Engine.from_config(config, load_sql_registry())

    def close(self) -> None:
        self._engine.close()

    def count(self, query: str) -> int:
        return int(self._engine.fetch_scalar(query))

    def handled(self) -> int:
        return self.count("SELECT COUNT(*) FROM account_activity")

    def handled_more_than(self, count: int) -> Callable[[], bool]:
        return lambda: self.handled() > count

    def unpublished(self) -> int:
        return self.count("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL")

    def claimed(self) -> int:
        return self.count(
            "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND claim_token IS NOT NULL"
        )

    def delivered_but_unmarked(self) -> int:
        """Events a dead relay's subscribers handled before it could mark them published."""
        return self.count(
            "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND claim_token IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM account_activity WHERE event_id = outbox.event_id)"
        )

    def rows(self, query: str) -> list[tuple[str, ...]]:
        # uuids come back as UUID from PostgreSQL and as text from SQLite.
        rows = self._engine.fetch_all(query)
        return [tuple(str(value) for value in row.values()) for row in rows]


@pytest.fixture
def tally(database_url: str) -> Iterator[Tally]:
    tally = Tally(database_url)
    try:
        yield tally
    finally:
        tally.close()


def _produce(settings: Settings) -> None:
    async def produce() -> None:
        engine = create_engine(settings)
        start = datetime.now(UTC)
        try:
            for number in range(USERS):
                user = UserEntity.register(
                    email=Email.parse(f"user{number}@example.com"),
                    password_hash="hash-0",
                    role=Role.USER,
                    now=start,
                )
                user.change_password_hash("hash-1", now=start + timedelta(seconds=1))
                user.change_password_hash("hash-2", now=start + timedelta(seconds=2))
                async with SqlUnitOfWork(engine) as uow:
                    await uow.users.add(user)
        finally:
            await engine.close()

    asyncio.run(produce())


def test_relays_killed_while_delivering_leave_every_event_handled_once(
    settings: Settings, database_url: str, tally: Tally, workers: WorkerGroup
) -> None:
    _produce(settings)
    assert tally.unpublished() == EVENTS

    # SIGTERM mid-delivery: the batch in hand is finished and marked, then the relay exits.
    relay = workers.start("relay-events", database_url, **RELAY_SETTINGS)
    wait_for(tally.handled_more_than(0), "delivering", WITHIN, relay)
    assert relay.stop() == 0, relay.output()
    assert tally.claimed() == 0, "a stopped relay left events claimed"
    assert 0 < tally.handled() < EVENTS

    kills_in_the_window = 0
    starts = 0
    while kills_in_the_window < KILLS_IN_THE_WINDOW:
        assert starts < MOST_STARTS, f"{kills_in_the_window} kills landed in the window"
        starts += 1
        delivering = tally.handled_more_than(tally.handled())
        relay = workers.start("relay-events", database_url, **RELAY_SETTINGS)
        wait_for(delivering, "delivering", WITHIN, relay)
        relay.kill()
        # Frozen now: what the dead relay delivered and did not mark goes out again.
        kills_in_the_window += tally.delivered_but_unmarked() > 0
    assert tally.handled() < EVENTS, "every kill came after the last delivery"

    relay = workers.start("relay-events", database_url, **RELAY_SETTINGS)
    wait_for(lambda: tally.unpublished() == 0, "every event published", WITHIN, relay)
    assert relay.stop() == 0, relay.output()

    events = tally.rows("SELECT aggregate_id, event_id FROM outbox ORDER BY position")
    handled = tally.rows("SELECT user_id, event_id, activity FROM account_activity ORDER BY id")
    assert len(events) == EVENTS
    assert sorted(row[1] for row in handled) == sorted(row[1] for row in events), (
        "an event handled twice, or never"
    )
    # One mark per event by the history's subscriber (subscribers added later mark theirs).
    history_marks = tally.count(
        "SELECT COUNT(*) FROM processed_events WHERE subscriber LIKE 'record_account_activity.%'"
    )
    assert history_marks == EVENTS
    # Each account's history in the order it happened, whichever relay delivered what.
    assert _by_account(handled) == _by_account(events)
    kinds = _by_account([(user_id, activity) for user_id, _, activity in handled])
    assert set(map(tuple, kinds.values())) == {tuple(ACTIVITIES_PER_USER)}


def _by_account(rows: list[tuple[str, ...]]) -> dict[str, list[str]]:
    """The second column of `rows`, in their order, for each first column (an account)."""
    found: dict[str, list[str]] = {}
    for account, value, *_ in rows:
        found.setdefault(account, []).append(value)
    return found


async def test_a_registration_and_a_password_change_over_http_reach_the_subscriber(
    settings: Settings, database_url: str, tally: Tally, workers: WorkerGroup
) -> None:
    async with running_client(settings) as client:
        user = await register(client, "dana@example.com")
        tokens = await login(client, "dana@example.com")
        response = await client.post(
            CHANGE_PASSWORD,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(tokens["access_token"]),
        )
        assert response.status_code == 204, response.text
    assert tally.handled() == 0, "subscribers run from the relay, not in the request"

    relay = workers.start("relay-events", database_url, "--once", **RELAY_SETTINGS)

    assert relay.wait() == 0, relay.output()
    assert relay.output().strip() == "Published 2 event(s)"
    assert tally.rows("SELECT user_id, activity FROM account_activity ORDER BY id") == [
        (user["id"], "registered"),
        (user["id"], "password_changed"),
    ]


def test_a_relay_says_where_it_publishes_and_what_each_batch_did(
    settings: Settings, database_url: str, tally: Tally, workers: WorkerGroup
) -> None:
    async def register_three() -> None:
        engine = create_engine(settings)
        try:
            async with SqlUnitOfWork(engine) as uow:
                for number in range(3):
                    user = UserEntity.register(
                        email=Email.parse(f"log{number}@example.com"),
                        password_hash="hash",
                        role=Role.USER,
                        now=datetime.now(UTC),
                    )
                    await uow.users.add(user)
        finally:
            await engine.close()

    asyncio.run(register_three())
    relay = workers.start("relay-events", database_url, **{**RELAY_SETTINGS, "LOG_LEVEL": "INFO"})
    wait_for(lambda: tally.unpublished() == 0, "every event published", WITHIN, relay)
    assert relay.stop() == 0, relay.output()

    lines = relay.output().splitlines()
    started = [line for line in lines if "relay-events publishes to" in line]
    assert len(started) == 1, lines
    assert started[0].endswith(
        "relay-events publishes to this process's subscribers, 20 event(s) a batch, "
        "each claimed for 1 s"
    ), started
    batches = [line for line in lines if "relay-events published" in line]
    assert len(batches) == 1, lines
    assert batches[0].endswith("relay-events published 3 event(s)"), batches
