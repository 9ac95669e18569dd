"""An account's history: what happened to it and when, kept after the outbox is purged."""

import uuid
from datetime import datetime
from typing import Protocol


class AccountActivityLog(Protocol):
    async def add(
        self, *, user_id: uuid.UUID, activity: str, event_id: uuid.UUID, occurred_at: datetime
    ) -> None: ...
