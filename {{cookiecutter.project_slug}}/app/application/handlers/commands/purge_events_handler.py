from datetime import timedelta

from app.application.bus.command_bus import command_handler
from app.application.commands.purge_events import PurgedEventCounts, PurgeEventsCommand
from app.application.ports.event_publisher import EventPublisher
from app.application.ports.outbox import Outbox
from app.domain.services.clock import Clock


@command_handler(PurgeEventsCommand)
async def handle_purge_events(
    command: PurgeEventsCommand,
    outbox: Outbox,
    publisher: EventPublisher,
    clock: Clock,
    event_retention: timedelta,
) -> PurgedEventCounts:
    # Unpublished events stay, however old: they have not reached anyone yet.
    before = clock.now() - event_retention
    try:
        purged = await outbox.purge(before)
    finally:
        # The stream's old entries go even when the database's could not (the chunks
        # deleted before a failure stay deleted): the next run does the rest.
        streamed = await publisher.purge(before)
    return PurgedEventCounts(
        published=purged.published, processed=purged.processed, streamed=streamed
    )
