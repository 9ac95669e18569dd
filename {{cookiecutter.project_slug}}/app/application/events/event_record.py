"""A domain event as it is stored and sent: plain values only, its own fields as JSON."""

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class EventRecord:
    event_id: uuid.UUID
    event_type: str  # the event's class name, e.g. "UserRegistered"
    schema_version: int
    aggregate_id: uuid.UUID
    occurred_at: datetime
    data: str  # a JSON object of the fields the event adds to DomainEvent's
