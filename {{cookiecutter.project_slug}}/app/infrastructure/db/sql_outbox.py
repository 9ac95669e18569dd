"""The outbox table, as the relay and the purge command use it (outside any unit of work)."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from row_query import AsyncEngine

from app.application.events.event_record import EventRecord
from app.application.ports.outbox import MarkedEvents, Outbox, OutboxBatch, PurgedEvents
from app.infrastructure.db.column_types import timestamp, to_datetime, to_uuid

# Rows one purge transaction deletes: tens of milliseconds of work, far inside
# DATABASE_QUERY_TIMEOUT_SECONDS, and SQLite's write lock is given up in between.
PURGE_CHUNK_ROWS = 5_000


class SqlOutbox(Outbox):
    def __init__(self, engine: AsyncEngine, *, purge_chunk_rows: int = PURGE_CHUNK_ROWS) -> None:
        self._engine = engine
        self._purge_chunk_rows = purge_chunk_rows

    async def claim(self, *, limit: int, now: datetime, lease: timedelta) -> OutboxBatch:
        token = uuid.uuid4()
        async with self._engine.transaction() as transaction:
            await transaction.execute(
                "outbox.claim",
                {
                    "claim_token": str(token),
                    "claimed_until": timestamp(now + lease),
                    "now": timestamp(now),
                    "limit": limit,
                },
            )
            rows = await transaction.fetch_all("outbox.claimed", {"claim_token": str(token)})
        return OutboxBatch(
            claim_token=token,
            positions=tuple(int(row["position"]) for row in rows),
            records=tuple(_to_record(row) for row in rows),
        )

    async def mark_published(
        self, batch: OutboxBatch, count: int, now: datetime, *, hold_next: bool = False
    ) -> MarkedEvents:
        token = {"claim_token": str(batch.claim_token)}
        released = count + 1 if hold_next else count
        marked = lost = 0
        async with self._engine.transaction() as transaction:
            if count:
                held: int = await transaction.execute(
                    "outbox.mark_published",
                    {**token, "now": timestamp(now), "through": batch.positions[count - 1]},
                )
                marked, lost = held, count - held
            if lost:
                # Which rows went to another relay is unknown; those marked just now have
                # their time set and are passed over.
                for position in batch.positions[:count]:
                    marked += await transaction.execute(
                        "outbox.mark_published_unclaimed",
                        {"now": timestamp(now), "position": position},
                    )
            if released < len(batch.positions):
                await transaction.execute(
                    "outbox.release", {**token, "first_released": batch.positions[released]}
                )
        return MarkedEvents(marked=marked, lost=lost)

    async def purge(self, before: datetime) -> PurgedEvents:
        published = await self._purge_in_chunks("outbox.purge_published", before)
        processed = await self._purge_in_chunks("processed_events.purge", before)
        return PurgedEvents(published=published, processed=processed)

    async def _purge_in_chunks(self, statement: str, before: datetime) -> int:
        """Run `statement` a chunk per transaction until a chunk comes back short."""
        chunk = {"before": timestamp(before), "chunk": self._purge_chunk_rows}
        total = 0
        while True:
            async with self._engine.transaction() as transaction:
                deleted: int = await transaction.execute(statement, chunk)
            total += deleted
            if deleted < self._purge_chunk_rows:
                return total


def write_event(executor: Any, record: EventRecord) -> Any:
    """The insert a unit of work runs, in its own transaction, for each event it commits."""
    return executor.execute(
        "outbox.insert",
        {
            "event_id": str(record.event_id),
            "event_type": record.event_type,
            "schema_version": record.schema_version,
            "aggregate_id": str(record.aggregate_id),
            "occurred_at": timestamp(record.occurred_at),
            "data": record.data,
        },
    )


def _to_record(row: dict[str, Any]) -> EventRecord:
    return EventRecord(
        event_id=to_uuid(row["event_id"]),
        event_type=row["event_type"],
        schema_version=int(row["schema_version"]),
        aggregate_id=to_uuid(row["aggregate_id"]),
        occurred_at=to_datetime(row["occurred_at"]),
        data=row["data"],
    )
