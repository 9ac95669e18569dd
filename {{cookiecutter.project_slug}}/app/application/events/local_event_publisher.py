"""Publishes to this process's own subscribers: events without a broker."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from app.application.bus.event_bus import EventBus
from app.application.events.event_record import EventRecord
from app.application.events.event_serialization import from_record
from app.application.ports.event_publisher import EventRefusedError
from app.domain.events.domain_event import DomainEvent


class LocalEventPublisher:
    def __init__(self, bus: EventBus, event_types: Mapping[str, type[DomainEvent]]) -> None:
        self._bus = bus
        self._event_types = event_types

    async def publish(self, records: Sequence[EventRecord]) -> None:
        for published, record in enumerate(records):
            try:
                await deliver(record, self._bus, self._event_types)
            except Exception as error:
                raise EventRefusedError(published) from error

    async def purge(self, before: datetime) -> int:
        """Nothing to forget: the subscribers ran, nothing was kept."""
        return 0


async def deliver(
    record: EventRecord, bus: EventBus, event_types: Mapping[str, type[DomainEvent]]
) -> None:
    """Hand one stored event to the bus (also what a stream consumer does with an entry)."""
    await bus.publish(from_record(record, event_types))
