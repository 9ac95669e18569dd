"""The base of every domain event.

An event is a fact in the past tense, frozen once recorded. Its fields are what a
subscriber, in this service or another, may rely on: never a secret, never a hash.
`schema_version` changes when a field changes meaning or goes away; adding a field
with a default does not need a new version.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True, kw_only=True, slots=True)
class DomainEvent:
    aggregate_id: uuid.UUID
    occurred_at: datetime
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)

    schema_version: ClassVar[int] = 1
