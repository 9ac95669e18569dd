"""Domain events to EventRecords and back, with the standard library's json.

Field values travel as JSON: uuids and datetimes as ISO text, enums as their value.
Reading one back goes by the event class's own field types, so a record's type and
version decide what it becomes; one this service does not know is refused.
"""

import dataclasses
import importlib
import json
import pkgutil
import typing
import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import Enum

from app.application.events.event_record import EventRecord
from app.domain.events.domain_event import DomainEvent

EVENTS_PACKAGE = "app.domain.events"
_BASE_FIELDS = frozenset(field.name for field in dataclasses.fields(DomainEvent))


class UnknownEventError(ValueError):
    """A record whose type or schema version no event class of this service has."""


class DuplicateEventTypeError(ValueError):
    """Two event classes share a name, which is what a record stores as its type."""


def discover_event_types(package: str = EVENTS_PACKAGE) -> dict[str, type[DomainEvent]]:
    """Every DomainEvent subclass defined under `package`, by class name."""
    root = importlib.import_module(package)
    found: dict[str, type[DomainEvent]] = {}
    for module_info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        module = importlib.import_module(module_info.name)
        for candidate in vars(module).values():
            if (
                isinstance(candidate, type)
                and issubclass(candidate, DomainEvent)
                and candidate is not DomainEvent
                and candidate.__module__ == module.__name__
            ):
                # The name is the stored type: two classes of one name would read back
                # as whichever was found last.
                other = found.setdefault(candidate.__name__, candidate)
                if other is not candidate:
                    raise DuplicateEventTypeError(
                        f"Two event classes are named {candidate.__name__}: "
                        f"{other.__module__} and {candidate.__module__}"
                    )
    return found


def to_record(event: DomainEvent) -> EventRecord:
    data = {
        field.name: _plain(getattr(event, field.name))
        for field in dataclasses.fields(event)
        if field.name not in _BASE_FIELDS
    }
    return EventRecord(
        event_id=event.event_id,
        event_type=type(event).__name__,
        schema_version=event.schema_version,
        aggregate_id=event.aggregate_id,
        occurred_at=event.occurred_at,
        data=json.dumps(data, separators=(",", ":"), sort_keys=True),
    )


def from_record(record: EventRecord, event_types: Mapping[str, type[DomainEvent]]) -> DomainEvent:
    event_type = event_types.get(record.event_type)
    if event_type is None or event_type.schema_version != record.schema_version:
        raise UnknownEventError(
            f"No event class for {record.event_type} version {record.schema_version}"
        )
    hints = typing.get_type_hints(event_type)
    data = json.loads(record.data)
    values = {name: _typed(hints[name], value) for name, value in data.items() if name in hints}
    return event_type(
        event_id=record.event_id,
        aggregate_id=record.aggregate_id,
        occurred_at=record.occurred_at,
        **values,
    )


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _typed(hint: object, value: object) -> object:
    if value is None:
        return None
    # `X | None`: the value, when present, is an X.
    members = [member for member in typing.get_args(hint) if member is not type(None)]
    if len(members) == 1:
        hint = members[0]
    if hint is uuid.UUID:
        return uuid.UUID(str(value))
    if hint is datetime:
        return datetime.fromisoformat(str(value))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    return value
