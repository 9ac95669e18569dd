"""Where the relay sends what the outbox holds: the local subscribers, or a broker."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from app.application.events.event_record import EventRecord


class PublishIncompleteError(Exception):
    """Only the first `published` records were delivered; the reason is the __cause__."""

    def __init__(self, published: int) -> None:
        super().__init__(f"published {published} event(s) before failing")
        self.published = published


class EventRefusedError(PublishIncompleteError):
    """The record after the `published` ones failed by itself (a subscriber refused it),
    not the way to the subscribers: the events of other aggregates need not wait for it."""


class EventPublisher(Protocol):
    async def publish(self, records: Sequence[EventRecord]) -> None:
        """Deliver `records` in order, or raise PublishIncompleteError.

        Delivery is at least once: a record may arrive again after a crash, never
        out of its aggregate's order.
        """
        ...

    async def purge(self, before: datetime) -> int:
        """Forget what was published before `before`, if it keeps any; how much went."""
        ...
