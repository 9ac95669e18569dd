"""Which subscriber already handled which event: what makes a redelivery change nothing."""

import uuid
from datetime import datetime
from typing import Protocol


class ProcessedEventLog(Protocol):
    async def record(self, event_id: uuid.UUID, subscriber: str, now: datetime) -> bool:
        """Mark the event handled by `subscriber`; False when it already was.

        Called inside the subscriber's own transaction, so the mark commits with
        the subscriber's effect or not at all.
        """
        ...

    async def contains(self, event_id: uuid.UUID, subscriber: str) -> bool:
        """Whether `subscriber` handled the event (a mark that committed)."""
        ...
