"""The purge command over fakes: what it deletes, and that the stream goes regardless."""

import uuid
from datetime import datetime, timedelta

import pytest

from app.application.commands.purge_events import PurgedEventCounts, PurgeEventsCommand
from app.application.events.event_serialization import to_record
from app.application.handlers.commands.purge_events_handler import handle_purge_events
from app.application.ports.outbox import PurgedEvents
from app.domain.events.user_password_changed import UserPasswordChanged

from .fakes import FixedClock, InMemoryOutbox, RecordingPublisher

RETENTION = timedelta(days=7)


class UnreachableOutbox(InMemoryOutbox):
    async def purge(self, before: datetime) -> PurgedEvents:
        raise ConnectionRefusedError("the database is down")


async def test_purge_forgets_what_was_published_before_the_retention(
    clock: FixedClock,
) -> None:
    old, recent, waiting = (
        to_record(UserPasswordChanged(aggregate_id=uuid.uuid4(), occurred_at=clock.now()))
        for _ in range(3)
    )
    outbox = InMemoryOutbox(old, recent, waiting)
    for published_at in (clock.now() - RETENTION - timedelta(seconds=1), clock.now()):
        batch = await outbox.claim(limit=1, now=published_at, lease=timedelta(seconds=30))
        await outbox.mark_published(batch, 1, published_at)
    publisher = RecordingPublisher()

    purged = await handle_purge_events(PurgeEventsCommand(), outbox, publisher, clock, RETENTION)

    assert purged == PurgedEventCounts(published=1, processed=0, streamed=0)
    assert outbox.published() == [recent]
    assert outbox.unpublished() == [waiting]
    assert publisher.purged_before == [clock.now() - RETENTION]


async def test_the_stream_is_purged_even_when_the_outbox_could_not_be(clock: FixedClock) -> None:
    """A database that cannot be purged today is no reason for the stream to grow too."""
    publisher = RecordingPublisher()

    with pytest.raises(ConnectionRefusedError):
        await handle_purge_events(
            PurgeEventsCommand(), UnreachableOutbox(), publisher, clock, RETENTION
        )

    assert publisher.purged_before == [clock.now() - RETENTION]
