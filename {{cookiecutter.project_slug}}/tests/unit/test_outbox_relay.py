"""The relay over fakes: batches in order, a failure marks what went out and frees the rest."""

import asyncio
import logging
import uuid
from datetime import timedelta

import pytest

from app.application.events.event_record import EventRecord
from app.application.events.event_serialization import to_record
from app.application.events.outbox_relay import OutboxRelay, RelayLimits
from app.application.ports.event_publisher import EventRefusedError, PublishIncompleteError
from app.domain.events.user_password_changed import UserPasswordChanged

from .fakes import FixedClock, InMemoryOutbox, RecordingPublisher

LEASE = timedelta(seconds=30)


def _events(count: int, aggregate_id: uuid.UUID | None = None) -> list[EventRecord]:
    return [
        to_record(
            UserPasswordChanged(
                aggregate_id=aggregate_id or uuid.uuid4(),
                occurred_at=FixedClock().now() + timedelta(seconds=number),
            )
        )
        for number in range(count)
    ]


@pytest.fixture
def outbox() -> InMemoryOutbox:
    return InMemoryOutbox()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


def _relay(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock, batch_size: int = 3
) -> OutboxRelay:
    return OutboxRelay(outbox, publisher, clock, RelayLimits(batch_size=batch_size, lease=LEASE))


async def test_a_batch_is_the_oldest_events_published_then_marked(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock
) -> None:
    events = _events(5)
    outbox.append(*events)
    relay = _relay(outbox, publisher, clock)

    assert await relay.relay_batch() == 3
    assert publisher.delivered == events[:3]
    assert outbox.published() == events[:3]
    assert outbox.claimed() == []

    assert await relay.relay_batch() == 2
    assert await relay.relay_batch() == 0
    assert publisher.delivered == events


async def test_drain_publishes_everything_in_order_a_batch_at_a_time(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock
) -> None:
    events = _events(7)
    outbox.append(*events)

    assert await _relay(outbox, publisher, clock).drain() == 7
    assert publisher.delivered == events
    assert outbox.unpublished() == []


async def test_a_broker_failure_marks_what_went_out_and_frees_the_rest(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock
) -> None:
    events = _events(5)
    outbox.append(*events)
    publisher.unreachable_at = {events[2].event_id}
    relay = _relay(outbox, publisher, clock, batch_size=5)

    with pytest.raises(PublishIncompleteError) as caught:
        await relay.relay_batch()

    assert caught.value.published == 2
    assert str(caught.value) == "published 2 event(s) before failing"
    assert outbox.published() == events[:2]
    # Released, not left to the lease: the next attempt (same moment) takes them at once.
    assert outbox.claimed() == []
    publisher.unreachable_at.clear()
    assert await relay.relay_batch() == 3
    assert publisher.delivered == events


async def test_an_event_its_subscribers_refuse_holds_back_only_its_own_aggregate(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock
) -> None:
    aggregate = uuid.uuid4()
    refused, after_it = _events(2, aggregate)
    others = _events(4)
    outbox.append(others[0], refused, others[1], after_it, *others[2:])
    publisher.refused = {refused.event_id}
    relay = _relay(outbox, publisher, clock, batch_size=10)

    with pytest.raises(EventRefusedError) as caught:
        await relay.relay_batch()

    assert caught.value.published == 1
    assert outbox.claimed() == [refused], "it waits out its lease; the rest were released"
    assert await relay.relay_batch() == 3
    assert await relay.relay_batch() == 0
    assert publisher.delivered == others
    # Once its lease ran out it is tried again, and its aggregate's next event after it.
    publisher.refused.clear()
    clock.advance(LEASE + timedelta(microseconds=1))
    assert await relay.drain() == 2
    assert publisher.delivered == [*others, refused, after_it]


async def test_drain_goes_around_a_refused_event_and_reports_it_at_the_end(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock
) -> None:
    refused, *others = _events(7)
    outbox.append(refused, *others)
    publisher.refused = {refused.event_id}

    with pytest.raises(EventRefusedError):
        await _relay(outbox, publisher, clock, batch_size=3).drain()

    assert publisher.delivered == others
    assert outbox.unpublished() == [refused]


async def test_an_aggregates_later_event_waits_for_the_one_that_failed(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock
) -> None:
    aggregate = uuid.uuid4()
    first, second = _events(2, aggregate)
    [other] = _events(1)
    outbox.append(first, other, second)
    publisher.unreachable_at = {first.event_id}
    relay = _relay(outbox, publisher, clock, batch_size=10)

    with pytest.raises(PublishIncompleteError):
        await relay.relay_batch()
    with pytest.raises(PublishIncompleteError):
        await relay.relay_batch()

    assert second not in publisher.delivered
    publisher.unreachable_at.clear()
    assert await relay.drain() == 3
    assert publisher.delivered.index(first) < publisher.delivered.index(second)


async def test_an_unexpected_error_frees_the_whole_batch(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock
) -> None:
    events = _events(4)
    outbox.append(*events)
    publisher.crash, publisher.lost_after = ConnectionResetError("broker went away"), 2
    relay = _relay(outbox, publisher, clock, batch_size=4)

    with pytest.raises(ConnectionResetError):
        await relay.relay_batch()

    # How far it got is unknown: nothing is marked, and nothing waits for the lease.
    assert outbox.published() == []
    assert outbox.claimed() == []
    publisher.crash = None
    assert await relay.relay_batch() == 4
    # At least once: the two that went out before the error go out again.
    assert publisher.delivered == [*events[:2], *events]


async def test_a_dead_relays_claim_holds_its_events_until_the_lease_runs_out(
    outbox: InMemoryOutbox, publisher: RecordingPublisher, clock: FixedClock
) -> None:
    events = _events(3)
    outbox.append(*events)
    # A relay that claimed and died: no mark, no release.
    await outbox.claim(limit=10, now=clock.now(), lease=LEASE)
    relay = _relay(outbox, publisher, clock)

    assert await relay.relay_batch() == 0
    clock.advance(LEASE)
    assert await relay.relay_batch() == 0, "the lease lasts until its very end"
    clock.advance(timedelta(microseconds=1))
    assert await relay.relay_batch() == 3
    assert publisher.delivered == events


class TakeOver:
    """While `slow` delivers, its lease runs out and another relay claims the batch for
    `other`, which delivers once `slow_one_done` is set."""

    def __init__(
        self,
        outbox: InMemoryOutbox,
        clock: FixedClock,
        slow: RecordingPublisher,
        other: RecordingPublisher,
    ) -> None:
        self.taken_over, self.slow_one_done = asyncio.Event(), asyncio.Event()
        self.other_batch: list[asyncio.Task[int]] = []
        self._other_relay = _relay(outbox, other, clock)
        self._clock = clock
        slow.while_delivering = self._lease_runs_out_and_another_relay_takes_over
        other.while_delivering = self._deliver_after_the_slow_one

    async def _lease_runs_out_and_another_relay_takes_over(self) -> None:
        self._clock.advance(LEASE + timedelta(seconds=5))
        self.other_batch.append(asyncio.create_task(self._other_relay.relay_batch()))
        await self.taken_over.wait()

    async def _deliver_after_the_slow_one(self) -> None:
        self.taken_over.set()
        await self.slow_one_done.wait()


async def test_a_relay_that_outlived_its_lease_still_marks_what_it_delivered(
    outbox: InMemoryOutbox, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Two relays whose batches take longer than the lease: unmarked, they would hand the
    same events to each other for ever."""
    events = _events(3)
    outbox.append(*events)
    slow, other = RecordingPublisher(), RecordingPublisher()
    takeover = TakeOver(outbox, clock, slow, other)

    with caplog.at_level(logging.WARNING, logger="app.events"):
        assert await _relay(outbox, slow, clock).relay_batch() == 3
    assert outbox.unpublished() == [], "delivered, so published, whoever holds the claim"
    [warning] = caplog.records
    assert warning.getMessage() == (
        "Lost the claim on 3 of 3 event(s): EVENTS_CLAIM_SECONDS (30) is shorter than the "
        "batch took (35.0 s); marked published all the same"
    )

    caplog.clear()
    takeover.slow_one_done.set()
    assert await takeover.other_batch[0] == 3, "its claim was live: nothing to say about it"
    assert caplog.records == []
    assert outbox.claimed() == []
    # At least once: the relay that took over delivered them again (handled once).
    assert slow.delivered == other.delivered == events
    clock.advance(2 * LEASE)
    assert await _relay(outbox, RecordingPublisher(), clock).drain() == 0


@pytest.mark.parametrize("failure", [PublishIncompleteError, EventRefusedError])
async def test_a_relay_that_outlived_its_lease_and_then_failed_says_how_long_it_took(
    outbox: InMemoryOutbox,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
    failure: type[Exception],
) -> None:
    events = _events(3)
    outbox.append(*events)
    slow, other = RecordingPublisher(), RecordingPublisher()
    if failure is PublishIncompleteError:
        slow.unreachable_at = {events[2].event_id}
    else:
        slow.refused = {events[2].event_id}
    takeover = TakeOver(outbox, clock, slow, other)

    with caplog.at_level(logging.WARNING, logger="app.events"), pytest.raises(failure):
        await _relay(outbox, slow, clock).relay_batch()
    takeover.slow_one_done.set()
    await takeover.other_batch[0]

    assert [record.getMessage() for record in caplog.records] == [
        "Lost the claim on 2 of 2 event(s): EVENTS_CLAIM_SECONDS (30) is shorter than the "
        "batch took (35.0 s); marked published all the same"
    ]
