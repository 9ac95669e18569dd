"""The outbox table, as the relay and the purge command use it (outside any unit of work)."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from row_query import AsyncEngine

from app.application.events.event_record import EventRecord
from app.application.ports.outbox import Outbox, OutboxBatch, PurgedEvents
from app.infrastructure.db.column_types import timestamp, to_datetime, to_uuid


class SqlOutbox(Outbox):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

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

    async def mark_published(self, batch: OutboxBatch, count: int, now: datetime) -> None:
        token = {"claim_token": str(batch.claim_token)}
        async with self._engine.transaction() as transaction:
            if count:
                await transaction.execute(
                    "outbox.mark_published",
                    {**token, "now": timestamp(now), "through": batch.positions[count - 1]},
                )
            if count < len(batch.positions):
                await transaction.execute("outbox.release", token)

    async def purge(self, before: datetime) -> PurgedEvents:
        cutoff = {"before": timestamp(before)}
        async with self._engine.transaction() as transaction:
            published = await transaction.execute("outbox.purge_published", cutoff)
            processed = await transaction.execute("processed_events.purge", cutoff)
        return PurgedEvents(published=published, processed=processed)


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
