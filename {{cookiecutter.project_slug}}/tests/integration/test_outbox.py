"""The outbox on the real database: written with the change, claimed by one relay at a time.

Writing: the unit of work stores each event its aggregates recorded in the
transaction of the change, so a commit has both and a failure neither. Claiming:
SqlOutbox hands each unpublished row to one relay for a lease, an aggregate's
events one after the other; a relay marks what it delivered even once its claim
ran out, and gives back only what it still holds. Purging goes a chunk at a time.
"""

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from row_query import IntegrityError, RowQueryError

from app.application.bus.event_bus import EventBus, EventNotHandledError
from app.application.commands.change_password import ChangePasswordCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.events.event_record import EventRecord
from app.application.events.event_serialization import discover_event_types, to_record
from app.application.events.handled_once import HandledOnceUnitOfWork
from app.application.events.local_event_publisher import LocalEventPublisher
from app.application.events.outbox_relay import OutboxRelay, RelayLimits
from app.application.ports.event_publisher import EventRefusedError
from app.application.ports.outbox import MarkedEvents, OutboxBatch, PurgedEvents
from app.bootstrap import build_container
from app.domain.entities.user import UserEntity
from app.domain.errors import AuthorizationError, ConflictError
from app.domain.events.user_registered import UserRegistered
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.infrastructure.clock import SystemClock
from app.infrastructure.config import Settings
from app.infrastructure.db.column_types import optional_datetime, timestamp, to_datetime, to_uuid
from app.infrastructure.db.connection import load_sql_registry
from app.infrastructure.db.repositories.sql_processed_event_log import SqlProcessedEventLog
from app.infrastructure.db.sql_outbox import SqlOutbox, write_event
from app.infrastructure.db.unit_of_work import SqlUnitOfWork

from .builders import new_user, store_user

LEASE = timedelta(seconds=30)
T0 = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
# Generous: only a claim that waits for another relay's lock gets anywhere near it.
CLAIM_DEADLINE_SECONDS = 10.0
SUBSCRIBER_TIMEOUT_SECONDS = 10.0


async def _outbox(engine: Any) -> list[EventRecord]:
    rows = await engine.fetch_all(
        "SELECT event_id, event_type, schema_version, aggregate_id, occurred_at, data"
        " FROM outbox ORDER BY position"
    )
    return [
        EventRecord(
            event_id=to_uuid(row["event_id"]),
            event_type=row["event_type"],
            schema_version=int(row["schema_version"]),
            aggregate_id=to_uuid(row["aggregate_id"]),
            occurred_at=to_datetime(row["occurred_at"]),
            data=row["data"],
        )
        for row in rows
    ]


async def _published(engine: Any) -> list[uuid.UUID]:
    rows = await engine.fetch_all(
        "SELECT event_id FROM outbox WHERE published_at IS NOT NULL ORDER BY position"
    )
    return [to_uuid(row["event_id"]) for row in rows]


async def _user_count(engine: Any) -> int:
    count: int = await engine.fetch_scalar("SELECT COUNT(*) FROM users")
    return count


def _ids(batch: OutboxBatch) -> list[uuid.UUID]:
    return [record.event_id for record in batch.records]


async def test_a_committed_registration_has_exactly_its_event_in_the_outbox(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    user = new_user("alice@example.com", role=Role.ADMIN)
    [event] = user.pending_events

    async with uow:
        await uow.users.add(user)

    assert await _outbox(engine) == [to_record(event)]
    assert isinstance(event, UserRegistered)
    assert (event.aggregate_id, event.email, event.role) == (
        user.id_.value,
        "alice@example.com",
        "admin",
    )
    assert user.pending_events == (), "stored: not handed out again"


async def test_an_error_in_the_block_writes_neither_the_user_nor_its_event(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    user = new_user()

    async def add_then_fail() -> None:
        async with uow:
            await uow.users.add(user)
            raise RuntimeError("after the insert")

    with pytest.raises(RuntimeError, match="after the insert"):
        await add_then_fail()

    assert await _user_count(engine) == 0
    assert await _outbox(engine) == []
    assert len(user.pending_events) == 1, "not stored, so still pending"


async def test_a_taken_email_writes_neither_the_second_user_nor_its_event(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    first = await store_user(engine, new_user("alice@example.com"))
    [first_event] = await _outbox(engine)
    second = new_user("ALICE@example.com")

    with pytest.raises(ConflictError) as caught:
        async with uow:
            await uow.users.add(second)

    assert caught.value.code == "EMAIL_TAKEN"
    assert await _user_count(engine) == 1
    assert await _outbox(engine) == [first_event]
    assert first_event.aggregate_id == first.id_.value


async def test_a_refused_insert_the_block_carries_on_from_stores_no_event(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    await store_user(engine, new_user("alice@example.com"))
    # SQLite lets the transaction go on after the refused insert; PostgreSQL aborts it.
    with contextlib.suppress(RowQueryError):
        async with uow:
            with contextlib.suppress(ConflictError):
                await uow.users.add(new_user("ALICE@example.com"))

    assert await _user_count(engine) == 1
    assert len(await _outbox(engine)) == 1


async def test_an_event_that_cannot_be_stored_undoes_the_change(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    """The outbox insert runs in the change's transaction: when it fails, so does the change."""
    await store_user(engine, new_user("alice@example.com"))
    [stored] = await _outbox(engine)
    bob = new_user("bob@example.com")
    bob.clear_events()
    # The same event id twice breaks the outbox's unique key, at commit time.
    bob.record(
        UserRegistered(
            aggregate_id=bob.id_.value,
            occurred_at=T0,
            email="bob@example.com",
            role="user",
            event_id=stored.event_id,
        )
    )

    with pytest.raises(IntegrityError):
        async with uow:
            await uow.users.add(bob)

    assert await _user_count(engine) == 1
    assert await _outbox(engine) == [stored]
    assert len(bob.pending_events) == 1


async def test_each_event_is_stored_once_however_often_its_aggregate_is_loaded(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    user = await store_user(engine)
    async with uow:
        loaded = await uow.users.get(user.id_)
        again = await uow.users.get_by_email(user.email)
    assert loaded is not None
    assert again is not None

    async with uow:
        current = await uow.users.get_for_update(user.id_)
        assert current is not None
        current.change_password_hash("hash-2", now=T0)
        await uow.users.update_password(current)
    async with uow:
        await uow.users.get(user.id_)

    assert [record.event_type for record in await _outbox(engine)] == [
        "UserRegistered",
        "UserPasswordChanged",
    ]


async def test_a_password_change_through_the_bus_stores_its_event_with_the_new_hash(
    settings: Settings, engine: Any
) -> None:
    async with build_container(settings) as container:
        bus = container.command_bus
        user = await bus.dispatch(RegisterUserCommand(email="bob@example.com", password=PASSWORD))
        hash_before = await engine.fetch_scalar("SELECT password_hash FROM users")

        await bus.dispatch(
            ChangePasswordCommand(
                user_id=user.id, current_password=PASSWORD, new_password="a new passphrase"
            )
        )
        with pytest.raises(AuthorizationError):
            await bus.dispatch(
                ChangePasswordCommand(
                    user_id=user.id, current_password=PASSWORD, new_password="another one here"
                )
            )

    assert await engine.fetch_scalar("SELECT password_hash FROM users") != hash_before
    assert [(record.event_type, record.aggregate_id) for record in await _outbox(engine)] == [
        ("UserRegistered", user.id),
        ("UserPasswordChanged", user.id),
    ]


async def _register(engine: Any, count: int, at: datetime = T0) -> list[UserEntity]:
    users = [
        UserEntity.register(
            email=Email.parse(f"user{number}@example.com"),
            password_hash="hash",
            role=Role.USER,
            now=at,
        )
        for number in range(count)
    ]
    async with SqlUnitOfWork(engine) as uow:
        for user in users:
            await uow.users.add(user)
    return users


async def _change_password(engine: Any, user: UserEntity) -> None:
    async with SqlUnitOfWork(engine) as uow:
        current = await uow.users.get_for_update(user.id_)
        assert current is not None
        current.change_password_hash("another-hash", now=T0)
        await uow.users.update_password(current)


async def test_two_relays_claiming_at_once_get_disjoint_rows(
    engine: Any, other_engine: Any
) -> None:
    await _register(engine, 20)

    first, second = await asyncio.gather(
        SqlOutbox(engine).claim(limit=15, now=T0, lease=LEASE),
        SqlOutbox(other_engine).claim(limit=15, now=T0, lease=LEASE),
    )

    assert not set(first.positions) & set(second.positions)
    assert len(first.positions) + len(second.positions) == 20
    assert {*_ids(first), *_ids(second)} == {record.event_id for record in await _outbox(engine)}


async def test_a_claim_meets_another_claim_in_progress(engine: Any, other_engine: Any) -> None:
{%- if cookiecutter.db_driver == "postgresql" %}
    """FOR UPDATE SKIP LOCKED: the second relay takes other rows at once, without waiting."""
{%- else %}
    """SQLite's one writer: the second relay waits, then takes what the first left."""
{%- endif %}
    await _register(engine, 6)
    token = uuid.uuid4()
    async with engine.transaction() as first_relay:
        await first_relay.execute(
            "outbox.claim",
            {
                "claim_token": str(token),
                "claimed_until": timestamp(T0 + LEASE),
                "now": timestamp(T0),
                "limit": 2,
            },
        )
        second = asyncio.create_task(SqlOutbox(other_engine).claim(limit=10, now=T0, lease=LEASE))
{%- if cookiecutter.db_driver == "postgresql" %}
        # Within the first relay's transaction: it holds its two rows all along.
        batch = await asyncio.wait_for(second, CLAIM_DEADLINE_SECONDS)
{%- else %}
        await asyncio.sleep(0.2)
        assert not second.done(), "a second writer got in while the first held the database"
{%- endif %}
        claimed_first = await first_relay.fetch_all("outbox.claimed", {"claim_token": str(token)})
{%- if cookiecutter.db_driver == "sqlite" %}
    batch = await asyncio.wait_for(second, CLAIM_DEADLINE_SECONDS)
{%- endif %}

    assert [int(row["position"]) for row in claimed_first] == [1, 2]
    assert batch.positions == (3, 4, 5, 6)


async def test_an_aggregates_later_event_waits_while_an_earlier_one_is_claimed(
    engine: Any, other_engine: Any
) -> None:
    alice, bob = await _register(engine, 2)
    await _change_password(engine, alice)
    registered_alice, registered_bob, changed_alice = await _outbox(engine)

    first = await SqlOutbox(engine).claim(limit=10, now=T0, lease=LEASE)
    meanwhile = await SqlOutbox(other_engine).claim(limit=10, now=T0, lease=LEASE)

    assert _ids(first) == [registered_alice.event_id, registered_bob.event_id]
    assert meanwhile.records == (), "alice's change waits for her registration"
    # Her registration published, bob's given back: both of the rest may go.
    await SqlOutbox(engine).mark_published(first, 1, T0)
    after = await SqlOutbox(other_engine).claim(limit=10, now=T0, lease=LEASE)
    assert _ids(after) == [registered_bob.event_id, changed_alice.event_id]
    assert changed_alice.aggregate_id == alice.id_.value
    assert registered_bob.aggregate_id == bob.id_.value


async def test_an_aggregates_later_event_waits_while_an_earlier_one_is_unpublished(
    engine: Any,
) -> None:
    [alice] = await _register(engine, 1)
    await _change_password(engine, alice)
    registered, changed = await _outbox(engine)
    outbox = SqlOutbox(engine)

    failed = await outbox.claim(limit=10, now=T0, lease=LEASE)
    await outbox.mark_published(failed, 0, T0)  # its publication failed: released
    retry = await outbox.claim(limit=10, now=T0, lease=LEASE)
    await outbox.mark_published(retry, 1, T0)
    last = await outbox.claim(limit=10, now=T0, lease=LEASE)

    assert _ids(failed) == _ids(retry) == [registered.event_id]
    assert _ids(last) == [changed.event_id]


async def test_an_expired_claim_is_claimable_again(engine: Any, other_engine: Any) -> None:
    await _register(engine, 3)

    dead = await SqlOutbox(engine).claim(limit=10, now=T0, lease=LEASE)
    during = await SqlOutbox(other_engine).claim(limit=10, now=T0 + LEASE, lease=LEASE)
    after = await SqlOutbox(other_engine).claim(
        limit=10, now=T0 + LEASE + timedelta(microseconds=1), lease=LEASE
    )

    assert len(dead.records) == 3
    assert during.records == (), "the lease lasts until its very end"
    assert after.positions == dead.positions
    assert after.claim_token != dead.claim_token


async def _published_at(engine: Any) -> list[datetime | None]:
    rows = await engine.fetch_all("SELECT published_at FROM outbox ORDER BY position")
    return [optional_datetime(row["published_at"]) for row in rows]


@pytest.mark.parametrize(
    ("meanwhile", "newly_marked"),
    [("holds-them", 2), ("gave-them-back", 2), ("published-them", 0)],
)
async def test_a_claim_that_ran_out_still_marks_what_it_delivered(
    engine: Any, other_engine: Any, meanwhile: str, newly_marked: int
) -> None:
    """Published is a fact: left unmarked, a relay slower than its lease would hand its
    events to the next relay, and that one back, for ever."""
    await _register(engine, 3)
    slow, other = SqlOutbox(engine), SqlOutbox(other_engine)
    late = await slow.claim(limit=10, now=T0, lease=LEASE)
    later = T0 + 2 * LEASE
    taken_over = await other.claim(limit=10, now=later, lease=LEASE)
    assert taken_over.positions == late.positions
    if meanwhile == "gave-them-back":
        await other.mark_published(taken_over, 0, later)
    elif meanwhile == "published-them":
        await other.mark_published(taken_over, 3, later - timedelta(seconds=1))

    marked = await slow.mark_published(late, 2, later)

    assert marked == MarkedEvents(marked=newly_marked, lost=2)
    first_time = later if newly_marked else later - timedelta(seconds=1)
    assert (await _published_at(engine))[:2] == [first_time, first_time]
    # The third was not the slow relay's to give back.
    again = await slow.claim(limit=10, now=later, lease=LEASE)
    if meanwhile == "holds-them":
        assert again.records == ()
        # The relay that took over marks as usual; the first publication's time stays.
        finished = await other.mark_published(taken_over, 3, later + timedelta(seconds=1))
        assert finished == MarkedEvents(marked=3, lost=0)
        assert await _published_at(engine) == [later, later, later + timedelta(seconds=1)]
        assert await _claimed_rows(engine) == 0
    elif meanwhile == "gave-them-back":
        assert _ids(again) == _ids(late)[2:]
    else:
        assert again.records == ()
        assert await _published(engine) == _ids(late)


async def _claimed_rows(engine: Any) -> int:
    count: int = await engine.fetch_scalar(
        "SELECT COUNT(*) FROM outbox WHERE claim_token IS NOT NULL"
    )
    return count


async def test_marking_a_prefix_publishes_it_and_releases_the_rest(engine: Any) -> None:
    await _register(engine, 4)
    outbox = SqlOutbox(engine)
    batch = await outbox.claim(limit=10, now=T0, lease=LEASE)

    await outbox.mark_published(batch, 2, T0)

    assert await _published(engine) == _ids(batch)[:2]
    rest = await outbox.claim(limit=10, now=T0, lease=LEASE)
    assert _ids(rest) == _ids(batch)[2:]


async def test_a_held_event_keeps_its_claim_until_the_lease_runs_out(engine: Any) -> None:
    await _register(engine, 4)
    outbox = SqlOutbox(engine)
    batch = await outbox.claim(limit=10, now=T0, lease=LEASE)

    await outbox.mark_published(batch, 1, T0, hold_next=True)

    assert await _published(engine) == _ids(batch)[:1]
    meanwhile = await outbox.claim(limit=10, now=T0, lease=LEASE)
    assert _ids(meanwhile) == _ids(batch)[2:]
    await outbox.mark_published(meanwhile, 2, T0)
    later = await outbox.claim(limit=10, now=T0 + LEASE + timedelta(microseconds=1), lease=LEASE)
    assert _ids(later) == [_ids(batch)[1]]


async def test_the_relay_delivers_around_an_event_a_subscriber_refuses(engine: Any) -> None:
    """An event whose subscriber fails every time must not stop the events of other accounts."""
    clock = SystemClock()
    bus = EventBus.discover(
        "app.application.subscribers",
        {},
        lambda event_id, subscriber: HandledOnceUnitOfWork(
            SqlUnitOfWork(engine),
            event_id=event_id,
            subscriber=subscriber,
            clock=clock,
            marks=SqlProcessedEventLog(engine),
        ),
        timeout_seconds=SUBSCRIBER_TIMEOUT_SECONDS,
    )
    relay = OutboxRelay(
        SqlOutbox(engine),
        LocalEventPublisher(bus, discover_event_types()),
        clock,
        RelayLimits(batch_size=10, lease=LEASE),
    )
    # An account that is not there: its activity row breaks the foreign key, every time.
    ghost = UserRegistered(
        aggregate_id=uuid.uuid4(), occurred_at=T0, email="ghost@example.com", role="user"
    )
    async with engine.transaction() as transaction:
        await write_event(transaction, to_record(ghost))
    users = await _register(engine, 3)

    with pytest.raises(EventRefusedError) as caught:
        await relay.relay_batch()
    published = await relay.drain()

    assert caught.value.published == 0
    assert isinstance(caught.value.__cause__, EventNotHandledError)
    assert published == 3
    rows = await engine.fetch_all("SELECT user_id FROM account_activity ORDER BY id")
    assert [to_uuid(row["user_id"]) for row in rows] == [user.id_.value for user in users]
    assert ghost.event_id not in await _published(engine)


async def test_purge_deletes_only_published_rows_and_marks_older_than_the_cutoff(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    long_ago = T0 - timedelta(days=30)
    await _register(engine, 4, at=long_ago)
    old_published, recent_published, claimed, untouched = await _outbox(engine)
    outbox = SqlOutbox(engine)
    for published_at in (T0 - timedelta(days=10), T0 - timedelta(days=1)):
        batch = await outbox.claim(limit=1, now=published_at, lease=LEASE)
        await outbox.mark_published(batch, 1, published_at)
    await outbox.claim(limit=1, now=T0, lease=LEASE)
    old_mark, recent_mark = uuid.uuid4(), uuid.uuid4()
    async with uow:
        await uow.processed_events.record(old_mark, "subscriber", T0 - timedelta(days=8))
        await uow.processed_events.record(recent_mark, "subscriber", T0 - timedelta(days=6))

    purged = await outbox.purge(T0 - timedelta(days=7))

    assert purged == PurgedEvents(published=1, processed=1)
    assert await _outbox(engine) == [recent_published, claimed, untouched]
    assert old_published.event_id not in await _published(engine)
    async with uow:
        assert not await uow.processed_events.contains(old_mark, "subscriber")
        assert await uow.processed_events.contains(recent_mark, "subscriber")


@pytest.mark.parametrize("old_events", [4, 5], ids=["chunks-filled-exactly", "a-short-chunk"])
async def test_purge_deletes_a_chunk_at_a_time_until_nothing_old_is_left(
    engine: Any, uow: SqlUnitOfWork, old_events: int
) -> None:
    await _register(engine, old_events + 2, at=T0 - timedelta(days=30))
    outbox = SqlOutbox(engine, purge_chunk_rows=2)
    published_long_ago = T0 - timedelta(days=10)
    old = await outbox.claim(limit=old_events, now=published_long_ago, lease=LEASE)
    await outbox.mark_published(old, old_events, published_long_ago)
    recent = await outbox.claim(limit=1, now=T0, lease=LEASE)
    await outbox.mark_published(recent, 1, T0)
    kept_mark = uuid.uuid4()
    async with uow:
        for _ in range(old_events + 1):
            await uow.processed_events.record(uuid.uuid4(), "subscriber", published_long_ago)
        await uow.processed_events.record(kept_mark, "subscriber", T0)

    purged = await outbox.purge(T0 - timedelta(days=7))

    assert purged == PurgedEvents(published=old_events, processed=old_events + 1)
    remaining = [record.event_id for record in await _outbox(engine)]
    assert remaining[0] == recent.records[0].event_id
    assert len(remaining) == 2, "the recent one, and the one never published"
    async with uow:
        assert await uow.processed_events.contains(kept_mark, "subscriber")
    assert await outbox.purge(T0 - timedelta(days=7)) == PurgedEvents(published=0, processed=0)


# Published rows kept for EVENTS_RETENTION_DAYS, many more than any batch.
RETAINED_ROWS = 5_000
{%- if cookiecutter.db_driver == "postgresql" %}
FILL_PUBLISHED = (
    "INSERT INTO outbox"
    " (event_id, event_type, schema_version, aggregate_id, occurred_at, data, published_at)"
    " SELECT gen_random_uuid(), 'UserRegistered', 1, gen_random_uuid(), moment, '{}', moment"
    " FROM generate_series(1, :rows), CAST(:at AS TIMESTAMPTZ) AS moment"
)
EXPLAIN = "EXPLAIN "
{%- else %}
FILL_PUBLISHED = (
    "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < :rows)"
    " INSERT INTO outbox"
    " (event_id, event_type, schema_version, aggregate_id, occurred_at, data, published_at)"
    " SELECT lower(hex(randomblob(16))), 'UserRegistered', 1, lower(hex(randomblob(16))),"
    " :at, '{}', :at FROM numbers"
)
EXPLAIN = "EXPLAIN QUERY PLAN "
{%- endif %}


async def test_a_relay_finds_marks_and_releases_its_batch_by_an_index_on_the_claim(
    engine: Any,
) -> None:
    """Not by reading every row the outbox retains."""
    async with engine.transaction() as transaction:
        await transaction.execute(FILL_PUBLISHED, {"at": timestamp(T0), "rows": RETAINED_ROWS})
{%- if cookiecutter.db_driver == "postgresql" %}
    await engine.execute("ANALYZE outbox")
{%- endif %}
    await _register(engine, 3)
    batch = await SqlOutbox(engine).claim(limit=10, now=T0, lease=LEASE)
    token = str(batch.claim_token)
    registry = load_sql_registry()
    statements = {
        "outbox.claimed": {"claim_token": token},
        "outbox.mark_published": {
            "claim_token": token,
            "now": timestamp(T0),
            "through": batch.positions[-1],
        },
        "outbox.release": {"claim_token": token, "first_released": batch.positions[0]},
    }

    for name, params in statements.items():
        plan = await engine.fetch_all(EXPLAIN + registry.get(name), params)
        lines = [" ".join(str(value) for value in row.values()) for row in plan]
        assert any("outbox_claim_idx" in line for line in lines), (name, lines)
