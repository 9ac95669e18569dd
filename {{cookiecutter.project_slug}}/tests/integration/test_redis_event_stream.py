"""The Redis Stream of domain events against a real redis-server: publisher and consumer.

Deliveries go to a recording callable here, which reads each entry into its event as
the service's own delivery does; tests/events/test_redis_event_failures.py runs the
whole way through real relay and consumer processes and the database.
"""

import asyncio
import json
import logging
import os
import re
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
import redis_server
from pydantic import SecretStr
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from app.application.bus.event_bus import EventNotHandledError
from app.application.events.event_record import EventRecord
from app.application.events.event_serialization import (
    UnknownEventError,
    discover_event_types,
    from_record,
)
from app.application.ports.event_publisher import PublishIncompleteError
from app.infrastructure.config import Settings
from app.infrastructure.errors import DatabaseTimeoutError, RedisUnavailableError
from app.infrastructure.redis.event_stream import EventStream, event_stream
from app.infrastructure.redis.redis_client import create_redis_client
from app.infrastructure.redis.redis_stream_consumer import (
    ConsumerLimits,
    EntryNotDeliveredError,
    RedisStreamConsumer,
)
from app.infrastructure.redis.redis_stream_publisher import RedisStreamPublisher

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GROUP = "test-group"
POLL_SECONDS = 0.1
# Far above a round trip on a loaded machine: the bounds under test are set per test.
TIMEOUT_SECONDS = 2.0
# Generous: only there so that a broken bound fails the test instead of hanging it.
HANG_GUARD_SECONDS = 15.0
MAX_DELIVERIES = 3
EVENT_TYPES = discover_event_types()


def new_record(aggregate_id: uuid.UUID | None = None, kind: str = "UserRegistered") -> EventRecord:
    return EventRecord(
        event_id=uuid.uuid4(),
        event_type=kind,
        schema_version=1,
        aggregate_id=aggregate_id or uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        data=json.dumps({"email": f"{uuid.uuid4().hex[:8]}@example.com", "role": "user"}),
    )


class Recorder:
    """A subscriber stand-in: reads each record into its event (an unknown type or
    unreadable data fails as in the service), keeps what it was given, and raises the
    error it is told to for an event."""

    def __init__(self) -> None:
        self.delivered: list[EventRecord] = []
        self.attempts: Counter[uuid.UUID] = Counter()
        self.failing: dict[uuid.UUID, Exception] = {}
        # With `watch`: how many entries were unacknowledged as each was delivered.
        self.pending_seen: list[int] = []
        self._watched: tuple[Redis, str] | None = None

    def watch(self, inspect: Redis, stream: str) -> None:
        self._watched = (inspect, stream)

    async def __call__(self, record: EventRecord) -> None:
        if self._watched is not None:
            inspect, stream = self._watched
            self.pending_seen.append(int((await inspect.xpending(stream, GROUP))["pending"]))
        self.attempts[record.event_id] += 1
        from_record(record, EVENT_TYPES)
        if record.event_id in self.failing:
            raise self.failing[record.event_id]
        self.delivered.append(record)


def subscribers_failed(*failures: Exception) -> EventNotHandledError:
    """What the bus raises when these subscribers failed (on some event: it does not matter)."""
    event = from_record(new_record(), EVENT_TYPES)
    return EventNotHandledError(
        event, {f"subscriber_{n}": failure for n, failure in enumerate(failures)}
    )


def failed() -> RuntimeError:
    return RuntimeError("subscriber failed")


@pytest.fixture
def stream_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "events_poll_seconds": POLL_SECONDS,
            "redis_timeout_seconds": TIMEOUT_SECONDS,
            "events_consumer_group": GROUP,
            "events_max_deliveries": MAX_DELIVERIES,
        }
    )


@pytest.fixture
async def inspect(redis_url: str) -> AsyncIterator[Redis]:
    """The test's own look at the server, outside the code under test."""
    client = Redis.from_url(redis_url, socket_timeout=redis_server.ADMIN_TIMEOUT_SECONDS)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def stream(stream_settings: Settings, recorder: Recorder) -> AsyncIterator[EventStream]:
    async with event_stream(stream_settings, recorder) as opened:
        assert opened is not None
        yield opened


@pytest.fixture
async def client(stream_settings: Settings) -> AsyncIterator[Redis]:
    """A client built as event_stream builds its own, for consumers under other names."""
    redis_client = create_redis_client(stream_settings, blocking_seconds=POLL_SECONDS)
    try:
        yield redis_client
    finally:
        await redis_client.aclose()


def named_consumer(
    client: Redis, recorder: Recorder, settings: Settings, name: str, claim_idle_seconds: float
) -> RedisStreamConsumer:
    return RedisStreamConsumer(
        client,
        recorder,
        stream=settings.event_stream_key,
        dead_letter_stream=dead_letter_key(settings),
        group=GROUP,
        name=name,
        limits=ConsumerLimits(
            batch_size=settings.events_batch_size,
            block_seconds=POLL_SECONDS,
            claim_idle_seconds=claim_idle_seconds,
            timeout_seconds=TIMEOUT_SECONDS,
            max_deliveries=MAX_DELIVERIES,
        ),
    )


def dead_letter_key(settings: Settings) -> str:
    return f"{settings.event_stream_key}:dead"


async def entries(inspect: Redis, key: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return cast(list[tuple[bytes, dict[bytes, bytes]]], await inspect.xrange(key))


async def pending(inspect: Redis, settings: Settings) -> int:
    return int((await inspect.xpending(settings.event_stream_key, GROUP))["pending"])


async def test_publish_appends_each_event_in_order_with_the_documented_fields(
    stream: EventStream, stream_settings: Settings, inspect: Redis
) -> None:
    records = [new_record() for _ in range(3)]

    await stream.publisher.publish(records)

    appended = await entries(inspect, stream_settings.event_stream_key)
    assert [fields for _, fields in appended] == [
        {
            b"event_id": str(record.event_id).encode(),
            b"type": b"UserRegistered",
            b"version": b"1",
            b"aggregate_id": str(record.aggregate_id).encode(),
            b"occurred_at": record.occurred_at.isoformat().encode(),
            b"data": record.data.encode(),
        }
        for record in records
    ]


async def test_the_consumer_delivers_in_order_and_acknowledges_only_after_delivery(
    stream: EventStream, stream_settings: Settings, recorder: Recorder, inspect: Redis
) -> None:
    aggregate = uuid.uuid4()
    records = [new_record(aggregate), new_record(), new_record(aggregate, "UserPasswordChanged")]
    await stream.publisher.publish(records)
    recorder.watch(inspect, stream_settings.event_stream_key)

    handled = await stream.consumer.consume_batch()

    assert handled == 3
    assert recorder.delivered == records
    # While each was being delivered, the whole batch was still unacknowledged.
    assert recorder.pending_seen == [3, 3, 3]
    assert await pending(inspect, stream_settings) == 0
    assert await stream.consumer.consume_batch() == 0


async def consumer_names(inspect: Redis, settings: Settings) -> list[bytes]:
    consumers = await inspect.xinfo_consumers(settings.event_stream_key, GROUP)
    return [consumer["name"] for consumer in consumers]


async def test_the_consumer_is_named_after_the_host_unless_a_name_is_set(
    stream_settings: Settings, recorder: Recorder, inspect: Redis
) -> None:
    await publish_by_hand(inspect, stream_settings, [new_record()])
    async with event_stream(stream_settings, recorder) as unnamed:
        assert unnamed is not None
        assert await unnamed.consumer.consume_batch() == 1
    # The host's name, the same after a restart (not the process's id).
    assert await consumer_names(inspect, stream_settings) == [socket.gethostname().encode()]

    named = stream_settings.model_copy(update={"events_consumer_name": "consumer-7"})
    await publish_by_hand(inspect, stream_settings, [new_record()])
    async with event_stream(named, recorder) as opened:
        assert opened is not None
        assert await opened.consumer.consume_batch() == 1
    assert sorted(await consumer_names(inspect, stream_settings)) == sorted(
        [socket.gethostname().encode(), b"consumer-7"]
    )


async def publish_by_hand(inspect: Redis, settings: Settings, records: list[EventRecord]) -> None:
    """XADD as the relay does, with the test's own client."""
    await RedisStreamPublisher(
        inspect,
        stream=settings.event_stream_key,
        dead_letter_stream=dead_letter_key(settings),
        timeout_seconds=TIMEOUT_SECONDS,
    ).publish(records)


async def test_events_appended_before_any_consumer_existed_are_delivered(
    stream_settings: Settings, recorder: Recorder, inspect: Redis
) -> None:
    records = [new_record() for _ in range(2)]
    async with event_stream(stream_settings, recorder) as relay_side:
        assert relay_side is not None
        await relay_side.publisher.publish(records)
    assert await inspect.xinfo_groups(stream_settings.event_stream_key) == []

    async with event_stream(stream_settings, recorder) as consumer_side:
        assert consumer_side is not None
        assert await consumer_side.consumer.consume_batch() == 2

    assert recorder.delivered == records


async def test_a_failed_delivery_stops_the_batch_and_comes_first_in_the_next(
    stream: EventStream, stream_settings: Settings, recorder: Recorder, inspect: Redis
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    records = [new_record(first), new_record(second), new_record(first, "UserPasswordChanged")]
    await stream.publisher.publish(records)
    recorder.failing[records[1].event_id] = failed()

    with pytest.raises(EntryNotDeliveredError) as raised:
        await stream.consumer.consume_batch()
    # The one line a worker logs for it names the entry and the event.
    entry_ids = [
        entry_id for entry_id, _ in await entries(inspect, stream_settings.event_stream_key)
    ]
    assert str(raised.value) == (
        f"stream entry {entry_ids[1].decode()} (event {records[1].event_id}) failed in "
        f"delivery 1 of at most {MAX_DELIVERIES} (EVENTS_MAX_DELIVERIES)"
    )
    assert str(raised.value.__cause__) == "subscriber failed"

    # The one delivered before the failure is acknowledged; the failed one and the one
    # after it (same aggregate as the first, but it must not overtake anything) are not.
    assert recorder.delivered == records[:1]
    assert await pending(inspect, stream_settings) == 2

    later = new_record()
    await stream.publisher.publish([later])
    recorder.failing.clear()

    assert await stream.consumer.consume_batch() == 2
    assert await stream.consumer.consume_batch() == 1
    assert recorder.delivered == [*records, later]
    assert await pending(inspect, stream_settings) == 0


async def test_another_consumer_takes_over_a_dead_ones_entries_once_they_are_idle(
    client: Redis, stream_settings: Settings, recorder: Recorder, inspect: Redis
) -> None:
    records = [new_record() for _ in range(3)]
    await publish_by_hand(client, stream_settings, records)
    # The first consumer read the entries and then died: they stay pending on it.
    recorder.failing[records[0].event_id] = failed()
    dead = named_consumer(client, recorder, stream_settings, "dead", claim_idle_seconds=60)
    with pytest.raises(EntryNotDeliveredError):
        await dead.consume_batch()
    recorder.failing.clear()

    patient = named_consumer(client, recorder, stream_settings, "patient", claim_idle_seconds=60)
    assert await patient.consume_batch() == 0  # not idle long enough to be taken over

    idle = 0.05
    await asyncio.sleep(2 * idle)
    eager = named_consumer(client, recorder, stream_settings, "eager", claim_idle_seconds=idle)
    assert await eager.consume_batch() == 3

    assert recorder.delivered == records
    assert await pending(inspect, stream_settings) == 0
    consumers = await inspect.xinfo_consumers(stream_settings.event_stream_key, GROUP)
    assert {consumer["name"]: consumer["pending"] for consumer in consumers} == {
        b"dead": 0,
        b"patient": 0,
        b"eager": 0,
    }


MALFORMED: dict[str, dict[FieldT, EncodableT]] = {
    "a missing field": {"event_id": str(uuid.uuid4()), "type": "UserRegistered"},
    "an event id that is no uuid": {
        "event_id": "not-a-uuid",
        "type": "UserRegistered",
        "version": "1",
        "aggregate_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": "{}",
    },
    "data that is no JSON object": {
        "event_id": str(uuid.uuid4()),
        "type": "UserRegistered",
        "version": "1",
        "aggregate_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": "[1, 2",
    },
    "a time without its offset": {
        "event_id": str(uuid.uuid4()),
        "type": "UserRegistered",
        "version": "1",
        "aggregate_id": str(uuid.uuid4()),
        "occurred_at": "2026-01-01T12:00:00",
        "data": "{}",
    },
    "data nested deeper than the JSON parser goes": {
        "event_id": str(uuid.uuid4()),
        "type": "UserRegistered",
        "version": "1",
        "aggregate_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": "[" * 100_000,
    },
    "a version that is no number": {
        "event_id": str(uuid.uuid4()),
        "type": "UserRegistered",
        "version": "one",
        "aggregate_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": "{}",
    },
}


@pytest.mark.parametrize("fields", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_entry_is_logged_and_acknowledged_not_retried_for_ever(
    stream: EventStream,
    stream_settings: Settings,
    recorder: Recorder,
    inspect: Redis,
    caplog: pytest.LogCaptureFixture,
    fields: dict[FieldT, EncodableT],
) -> None:
    before, after = new_record(), new_record()
    await stream.publisher.publish([before])
    bad_id = cast(bytes, await inspect.xadd(stream_settings.event_stream_key, fields)).decode()
    await stream.publisher.publish([after])

    with caplog.at_level(logging.WARNING, logger="app.events"):
        assert await stream.consumer.consume_batch() == 3

    assert recorder.delivered == [before, after]
    assert await pending(inspect, stream_settings) == 0
    warnings = [record.getMessage() for record in caplog.records if record.name == "app.events"]
    assert len(warnings) == 1
    assert bad_id in warnings[0]


async def test_a_malformed_entry_is_logged_in_a_short_line_however_big_it_is(
    stream: EventStream,
    stream_settings: Settings,
    inspect: Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The parser's message quotes the value it refused: 100 kB of it.
    huge_time = "x" * 100_000
    fields: dict[FieldT, EncodableT] = {
        "event_id": str(uuid.uuid4()),
        "type": "UserRegistered",
        "version": "1",
        "aggregate_id": str(uuid.uuid4()),
        "occurred_at": huge_time,
        "data": "{}",
    }
    bad_id = cast(bytes, await inspect.xadd(stream_settings.event_stream_key, fields)).decode()

    with caplog.at_level(logging.WARNING, logger="app.events"):
        assert await stream.consumer.consume_batch() == 1

    [warning] = [record.getMessage() for record in caplog.records if record.name == "app.events"]
    assert warning.startswith(f"Skipped stream entry {bad_id} of ")
    assert "unreadable occurred_at: Invalid isoformat string: 'xxx" in warning
    assert re.search(r"x\.\.\. \(1000\d\d characters\)$", warning)
    assert len(warning) < 300


async def fail_until_dead_lettered(consumer: RedisStreamConsumer) -> int:
    """Batches until one gets past the failing entry: the entries that one handled.
    Exactly MAX_DELIVERIES - 1 batches fail on the way."""
    for _ in range(MAX_DELIVERIES - 1):
        with pytest.raises(EntryNotDeliveredError):
            await consumer.consume_batch()
    return await consumer.consume_batch()


async def dead_letters(inspect: Redis, settings: Settings) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in await entries(inspect, dead_letter_key(settings))]


def fields_of(record: EventRecord) -> dict[bytes, bytes]:
    return {
        b"event_id": str(record.event_id).encode(),
        b"type": record.event_type.encode(),
        b"version": str(record.schema_version).encode(),
        b"aggregate_id": str(record.aggregate_id).encode(),
        b"occurred_at": record.occurred_at.isoformat().encode(),
        b"data": record.data.encode(),
    }


def with_data(record: EventRecord, data: str) -> EventRecord:
    return EventRecord(
        event_id=record.event_id,
        event_type=record.event_type,
        schema_version=record.schema_version,
        aggregate_id=record.aggregate_id,
        occurred_at=record.occurred_at,
        data=data,
    )


POISON: dict[str, tuple[str, Exception | None, str]] = {
    # (the entry's data, what the subscriber raises, how the reason starts)
    "data its event cannot be made of": ("{}", None, "TypeError: UserRegistered.__init__()"),
    # A user that does not exist: the account_activity row's foreign key fails every time.
    "a subscriber's own failure": (
        '{"email": "a@example.com", "role": "user"}',
        subscribers_failed(RuntimeError("FOREIGN KEY constraint failed")),
        "subscriber_0: RuntimeError: FOREIGN KEY constraint failed",
    ),
    "one subscriber failing beside one facing an outage": (
        '{"email": "a@example.com", "role": "user"}',
        subscribers_failed(RedisUnavailableError("Redis failed"), ValueError("no such role")),
        "subscriber_0: RedisUnavailableError: Redis failed; subscriber_1: ValueError",
    ),
}


@pytest.mark.parametrize(("data", "failure", "reason"), POISON.values(), ids=POISON.keys())
async def test_an_entry_that_fails_every_time_moves_to_the_dead_letter_stream_then_the_rest_go(
    stream: EventStream,
    stream_settings: Settings,
    recorder: Recorder,
    inspect: Redis,
    caplog: pytest.LogCaptureFixture,
    data: str,
    failure: Exception | None,
    reason: str,
) -> None:
    aggregate = uuid.uuid4()
    before = new_record()
    poison = with_data(new_record(aggregate), data)
    behind = [new_record(aggregate, "UserPasswordChanged"), new_record()]
    await stream.publisher.publish([before, poison, *behind])
    if failure is not None:
        recorder.failing[poison.event_id] = failure
    poison_id = (await entries(inspect, stream_settings.event_stream_key))[1][0].decode()
    moved_after = datetime.now(UTC)

    with caplog.at_level(logging.ERROR, logger="app.events"):
        # The first batch delivers the entry before it, then fails on it.
        assert await fail_until_dead_lettered(stream.consumer) == 1 + len(behind)

    assert recorder.attempts[poison.event_id] == MAX_DELIVERIES
    # The entries behind it waited, in order, and were handled once it had gone.
    assert recorder.delivered == [before, *behind]
    assert [recorder.attempts[record.event_id] for record in behind] == [1, 1]
    assert await pending(inspect, stream_settings) == 0
    # The entry as it was, with why and when it was moved.
    [letter] = await dead_letters(inspect, stream_settings)
    stored_reason, failed_at = letter.pop(b"reason").decode(), letter.pop(b"failed_at")
    assert letter == fields_of(poison)
    assert stored_reason.startswith(reason)
    assert moved_after <= datetime.fromisoformat(failed_at.decode()) <= datetime.now(UTC)
    [error] = [record.getMessage() for record in caplog.records if record.name == "app.events"]
    assert error == (
        f"Moved stream entry {poison_id} (event {poison.event_id}) of "
        f"{stream_settings.event_stream_key} to {dead_letter_key(stream_settings)} after "
        f"{MAX_DELIVERIES} deliveries: {stored_reason}"
    )


async def test_a_dead_letter_keeps_a_shortened_reason(
    stream: EventStream, stream_settings: Settings, recorder: Recorder, inspect: Redis
) -> None:
    poison = new_record()
    await stream.publisher.publish([poison])
    recorder.failing[poison.event_id] = RuntimeError("x" * 100_000)

    assert await fail_until_dead_lettered(stream.consumer) == 1

    [letter] = await dead_letters(inspect, stream_settings)
    reason = letter[b"reason"].decode()
    assert reason.startswith("RuntimeError: xxx")
    assert reason.endswith("x... (100014 characters)")
    assert len(reason) < 1100


UNKNOWN = {
    "a type this code does not know": ("UserDeleted", 1),
    "a version this code does not know": ("UserRegistered", 2),
}


@pytest.mark.parametrize(("kind", "version"), UNKNOWN.values(), ids=UNKNOWN.keys())
async def test_an_event_newer_than_this_code_stays_pending_and_is_never_dead_lettered(
    stream: EventStream,
    stream_settings: Settings,
    recorder: Recorder,
    inspect: Redis,
    kind: str,
    version: int,
) -> None:
    # Recorded by a newer release during a rolling deploy: a newer consumer handles it.
    base = new_record()
    newer = EventRecord(
        event_id=base.event_id,
        event_type=kind,
        schema_version=version,
        aggregate_id=base.aggregate_id,
        occurred_at=base.occurred_at,
        data=base.data,
    )
    behind = new_record()
    await stream.publisher.publish([newer, behind])

    for _ in range(3 * MAX_DELIVERIES):
        with pytest.raises(EntryNotDeliveredError, match="to be retried") as raised:
            await stream.consumer.consume_batch()
        assert isinstance(raised.value.__cause__, UnknownEventError)

    assert recorder.attempts[newer.event_id] == 3 * MAX_DELIVERIES
    assert recorder.delivered == []
    assert await pending(inspect, stream_settings) == 2
    assert await inspect.exists(dead_letter_key(stream_settings)) == 0


OUTAGES: dict[str, Callable[[], Exception]] = {
    "Redis": lambda: RedisUnavailableError("Redis did not answer within 1 s"),
    "the database": lambda: DatabaseTimeoutError(5.0),
    "every failing subscriber": lambda: subscribers_failed(
        RedisUnavailableError("Redis failed"), DatabaseTimeoutError(5.0)
    ),
}


@pytest.mark.parametrize("outage", OUTAGES.values(), ids=OUTAGES.keys())
async def test_an_outage_never_dead_letters_and_uses_up_none_of_the_deliveries(
    stream: EventStream,
    stream_settings: Settings,
    recorder: Recorder,
    inspect: Redis,
    outage: Callable[[], Exception],
) -> None:
    record, behind = new_record(), new_record()
    await stream.publisher.publish([record, behind])
    recorder.failing[record.event_id] = outage()

    for _ in range(3 * MAX_DELIVERIES):
        with pytest.raises(EntryNotDeliveredError, match="to be retried"):
            await stream.consumer.consume_batch()
    assert await inspect.exists(dead_letter_key(stream_settings)) == 0
    assert await pending(inspect, stream_settings) == 2

    # Then a failure of its own: it still gets every one of its deliveries.
    recorder.failing[record.event_id] = failed()
    assert await fail_until_dead_lettered(stream.consumer) == 2

    assert recorder.attempts[record.event_id] == 3 * MAX_DELIVERIES + MAX_DELIVERIES
    assert recorder.delivered == [behind]
    assert len(await dead_letters(inspect, stream_settings)) == 1


async def test_an_entry_that_waited_behind_a_failing_one_still_gets_all_its_deliveries(
    stream: EventStream, stream_settings: Settings, recorder: Recorder, inspect: Redis
) -> None:
    # Each batch reads both again while the first fails: only the first is delivered.
    first, second, last = new_record(), new_record(), new_record()
    await stream.publisher.publish([first, second, last])
    recorder.failing[first.event_id] = failed()
    recorder.failing[second.event_id] = failed()

    for _ in range(MAX_DELIVERIES - 1):
        with pytest.raises(EntryNotDeliveredError):
            await stream.consumer.consume_batch()
    # The first's last delivery moves it on, and that batch fails on the second.
    assert await fail_until_dead_lettered(stream.consumer) == 2

    assert recorder.attempts == Counter(
        {first.event_id: MAX_DELIVERIES, second.event_id: MAX_DELIVERIES, last.event_id: 1}
    )
    assert [letter[b"event_id"] for letter in await dead_letters(inspect, stream_settings)] == [
        str(first.event_id).encode(),
        str(second.event_id).encode(),
    ]
    assert recorder.delivered == [last]


async def test_an_entry_taken_over_from_a_dead_consumer_keeps_its_count_of_deliveries(
    client: Redis, stream_settings: Settings, recorder: Recorder, inspect: Redis
) -> None:
    record = new_record()
    await publish_by_hand(client, stream_settings, [record])
    recorder.failing[record.event_id] = failed()
    dead = named_consumer(client, recorder, stream_settings, "dead", claim_idle_seconds=60)
    with pytest.raises(EntryNotDeliveredError, match="delivery 1 of"):
        await dead.consume_batch()

    idle = 0.05
    await asyncio.sleep(2 * idle)
    eager = named_consumer(client, recorder, stream_settings, "eager", claim_idle_seconds=idle)
    # The takeover and the read that follows count one delivery, not two.
    with pytest.raises(EntryNotDeliveredError, match="delivery 2 of"):
        await eager.consume_batch()
    for _ in range(MAX_DELIVERIES - 3):
        with pytest.raises(EntryNotDeliveredError):
            await eager.consume_batch()
    assert await eager.consume_batch() == 1

    assert recorder.attempts[record.event_id] == MAX_DELIVERIES
    assert len(await dead_letters(inspect, stream_settings)) == 1


async def test_purge_trims_the_entries_older_than_the_cutoff_only(
    stream: EventStream, stream_settings: Settings, inspect: Redis
) -> None:
    key = stream_settings.event_stream_key
    now = datetime.now(UTC)
    # Written by hand with the ids Redis would have given them then.
    for age in (timedelta(days=3), timedelta(days=2)):
        stamp = int((now - age).timestamp() * 1000)
        await inspect.xadd(key, {"event_id": "old"}, id=f"{stamp}-0")
    cutoff = now - timedelta(days=1)
    await inspect.xadd(key, {"event_id": "at the cutoff"}, id=f"{int(cutoff.timestamp() * 1000)}-0")
    recent = [new_record() for _ in range(2)]
    await stream.publisher.publish(recent)

    assert await stream.publisher.purge(cutoff) == 2

    kept = [fields[b"event_id"] for _, fields in await entries(inspect, key)]
    assert kept == [b"at the cutoff", *(str(record.event_id).encode() for record in recent)]
    assert await stream.publisher.purge(cutoff) == 0


async def test_purge_trims_the_dead_letters_by_when_they_were_moved(
    stream: EventStream, stream_settings: Settings, inspect: Redis
) -> None:
    key, dead_key = stream_settings.event_stream_key, dead_letter_key(stream_settings)
    now = datetime.now(UTC)
    stamps = [int((now - timedelta(days=days)).timestamp() * 1000) for days in (3, 2)]
    for stamp in stamps:
        await inspect.xadd(key, {"event_id": f"appended at {stamp}"}, id=f"{stamp}-0")
    # A group holds the old entries of the stream; none reads the dead letters.
    await inspect.xgroup_create(key, "holding", id="0")
    await inspect.xreadgroup("holding", "c1", {key: ">"})
    for stamp in stamps:
        await inspect.xadd(dead_key, {"event_id": f"moved at {stamp}"}, id=f"{stamp}-0")
    recent = cast(bytes, await inspect.xadd(dead_key, {"event_id": "moved just now"}))

    assert await stream.publisher.purge(now - timedelta(days=1)) == 2

    assert [entry_id for entry_id, _ in await entries(inspect, dead_key)] == [recent]
    assert await inspect.xlen(key) == 2


async def test_purge_before_anything_was_published_trims_nothing(stream: EventStream) -> None:
    assert await stream.publisher.purge(datetime.now(UTC)) == 0


async def test_purge_keeps_what_a_consumer_group_has_not_handled_yet(
    stream: EventStream, stream_settings: Settings, inspect: Redis
) -> None:
    key = stream_settings.event_stream_key
    now = datetime.now(UTC)
    ids = []
    for age in (timedelta(days=4), timedelta(days=3), timedelta(days=2)):
        stamp = int((now - age).timestamp() * 1000)
        ids.append(await inspect.xadd(key, {"event_id": f"{age.days} days old"}, id=f"{stamp}-0"))
    # One group read the oldest entry and still holds it; another never started reading.
    await inspect.xgroup_create(key, "holding", id="0")
    await inspect.xreadgroup("holding", "c1", {key: ">"}, count=1)
    await inspect.xgroup_create(key, "behind", id=ids[1])
    cutoff = now - timedelta(days=1)

    assert await stream.publisher.purge(cutoff) == 0  # "holding" needs the oldest

    await inspect.xack(key, "holding", ids[0])
    await inspect.xreadgroup("holding", "c1", {key: ">"})
    await inspect.xack(key, "holding", ids[1], ids[2])
    # "behind" was given nothing after the second entry: the third stays.
    assert await stream.publisher.purge(cutoff) == 2
    assert [entry_id for entry_id, _ in await entries(inspect, key)] == [ids[2]]

    await inspect.xgroup_destroy(key, "behind")
    assert await stream.publisher.purge(cutoff) == 1


async def test_a_read_that_blocks_longer_than_the_redis_timeout_is_no_failure(
    stream_settings: Settings, recorder: Recorder
) -> None:
    # The socket would give up after REDIS_TIMEOUT_SECONDS if nothing made room for the
    # block: an idle consumer would then fail every poll.
    slow_poll = stream_settings.model_copy(
        update={"events_poll_seconds": 1.5, "redis_timeout_seconds": 0.5}
    )
    async with event_stream(slow_poll, recorder) as opened:
        assert opened is not None
        assert await opened.consumer.consume_batch() == 0


async def test_the_consumer_recreates_its_group_when_the_stream_was_lost(
    stream: EventStream, recorder: Recorder, redis_url: str
) -> None:
    await stream.publisher.publish([new_record()])
    assert await stream.consumer.consume_batch() == 1
    # What a restart of a Redis that keeps nothing on disk does to the stream.
    redis_server.flush(redis_url)
    lost_group = new_record()
    await stream.publisher.publish([lost_group])

    with pytest.raises(RedisUnavailableError, match="NOGROUP"):
        await stream.consumer.consume_batch()
    assert await stream.consumer.consume_batch() == 1

    assert recorder.delivered[-1] == lost_group


@pytest.fixture
def own_server() -> Iterator[redis_server.RedisServer]:
    try:
        server = redis_server.start_server()
    except redis_server.RedisServerUnavailableError as error:
        redis_server.no_redis(f"no redis-server to stop: {error}")
    try:
        yield server
    finally:
        redis_server.remove_server(server)


def on_server(settings: Settings, url: str) -> Settings:
    return settings.model_copy(update={"redis_url": SecretStr(url)})


async def test_while_redis_is_down_publishing_fails_and_reports_nothing_published(
    stream_settings: Settings, recorder: Recorder, own_server: redis_server.RedisServer
) -> None:
    redis_server.stop_process(own_server)
    async with event_stream(on_server(stream_settings, own_server.url), recorder) as down:
        assert down is not None
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            with pytest.raises(PublishIncompleteError) as raised:
                await down.publisher.publish([new_record()])
            with pytest.raises(RedisUnavailableError):
                await down.consumer.consume_batch()
            with pytest.raises(RedisUnavailableError):
                await down.publisher.purge(datetime.now(UTC))

    assert raised.value.published == 0
    assert isinstance(raised.value.__cause__, RedisUnavailableError)


async def test_a_hung_redis_fails_every_call_within_its_bound(
    stream_settings: Settings, recorder: Recorder, own_server: redis_server.RedisServer
) -> None:
    async with event_stream(on_server(stream_settings, own_server.url), recorder) as hung:
        assert hung is not None
        await hung.publisher.publish([new_record()])  # connected while it still answered
        with redis_server.frozen(own_server):
            async with asyncio.timeout(HANG_GUARD_SECONDS):
                with pytest.raises(PublishIncompleteError) as raised:
                    await hung.publisher.publish([new_record()])
                with pytest.raises(RedisUnavailableError, match="did not answer within"):
                    await hung.consumer.consume_batch()

    assert "did not answer within" in str(raised.value.__cause__)


async def test_without_redis_url_there_is_no_stream(settings: Settings, recorder: Recorder) -> None:
    async with event_stream(
        settings.model_copy(update={"redis_url": SecretStr("")}), recorder
    ) as none:
        assert none is None


def test_consume_events_without_redis_url_exits_2_in_one_line(database_url: str) -> None:
    env = {
        **os.environ,
        "APP_ENV": "local",
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app", "consume-events", "--once"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: consume-events reads the Redis Stream: set REDIS_URL")
