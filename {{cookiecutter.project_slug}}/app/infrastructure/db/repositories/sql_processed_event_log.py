import uuid
from datetime import datetime
from typing import Any

from app.application.ports.processed_event_log import ProcessedEventLog
from app.infrastructure.db.column_types import timestamp


class SqlProcessedEventLog(ProcessedEventLog):
    def __init__(self, executor: Any) -> None:
        self._executor = executor

    async def record(self, event_id: uuid.UUID, subscriber: str, now: datetime) -> bool:
        # On PostgreSQL a concurrent delivery of the same event waits here for the other
        # transaction's outcome: after its commit this inserts nothing.
        inserted: int = await self._executor.execute(
            "processed_events.insert",
            {"event_id": str(event_id), "subscriber": subscriber, "processed_at": timestamp(now)},
        )
        return inserted == 1

    async def contains(self, event_id: uuid.UUID, subscriber: str) -> bool:
        found = await self._executor.fetch_scalar(
            "processed_events.contains", {"event_id": str(event_id), "subscriber": subscriber}
        )
        return found is not None
