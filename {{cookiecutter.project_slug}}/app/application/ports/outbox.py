"""The outbox as the relay sees it: rows the unit of work wrote, waiting to be published."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from app.application.events.event_record import EventRecord


@dataclass(frozen=True, slots=True)
class OutboxBatch:
    """Events one relay claimed, in the order they were written; only it may release them."""

    claim_token: uuid.UUID
    positions: tuple[int, ...]
    records: tuple[EventRecord, ...]


@dataclass(frozen=True, slots=True)
class MarkedEvents:
    """What marking a batch found."""

    marked: int  # rows this call recorded as published
    lost: int  # delivered events whose claim had run out and gone to another relay


@dataclass(frozen=True, slots=True)
class PurgedEvents:
    published: int  # outbox rows
    processed: int  # processed-event marks


class Outbox(Protocol):
    async def claim(self, *, limit: int, now: datetime, lease: timedelta) -> OutboxBatch:
        """Up to `limit` unpublished events no live claim holds, for `lease`.

        An event is only claimed once every earlier event of its aggregate is
        published, so each aggregate's events leave in the order they happened.
        """
        ...

    async def mark_published(
        self, batch: OutboxBatch, count: int, now: datetime, *, hold_next: bool = False
    ) -> MarkedEvents:
        """The first `count` events of `batch` are published; the rest go back, unclaimed.

        Published is a fact, so a delivered event whose claim ran out is marked all the
        same (unless another relay marked it first): another relay that took it over
        delivers it again, and it is handled once. Only events still held go back.

        With `hold_next` the event after them keeps its claim until the lease runs out:
        the next claims go around it (and its aggregate's later events wait for it), so
        an event that fails by itself is retried once a lease, not before every other.
        """
        ...

    async def purge(self, before: datetime) -> PurgedEvents:
        """Delete events published, and processed-event marks written, before `before`."""
        ...
