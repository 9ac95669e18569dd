"""The aggregates one transaction handed out or stored, for their events at commit."""

from typing import Any

from app.domain.entities.aggregate_root import AggregateRoot
from app.domain.events.domain_event import DomainEvent


class AggregateTracker:
    def __init__(self) -> None:
        # By identity: a repository may hand out two objects for one row.
        self._seen: dict[int, AggregateRoot[Any]] = {}

    def track(self, aggregate: AggregateRoot[Any]) -> None:
        self._seen.setdefault(id(aggregate), aggregate)

    def pending_events(self) -> list[DomainEvent]:
        return [event for aggregate in self._seen.values() for event in aggregate.pending_events]

    def events_stored(self) -> None:
        for aggregate in self._seen.values():
            aggregate.clear_events()
