"""Events to records and back: every event type the service has, and what is refused."""

import dataclasses
import json
import sys
import textwrap
import typing
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from app.application.events.event_record import EventRecord
from app.application.events.event_serialization import (
    DuplicateEventTypeError,
    UnknownEventError,
    discover_event_types,
    from_record,
    to_record,
)
from app.domain.events.domain_event import DomainEvent

AT = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
BASE_FIELDS = {field.name for field in dataclasses.fields(DomainEvent)}
EVENT_TYPES = discover_event_types()


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True, kw_only=True, slots=True)
class Painted(DomainEvent):
    """Every kind of field value an event may carry."""

    colour: Colour
    painter: uuid.UUID
    dried_at: datetime
    coats: int
    note: str | None = None
    previous: Colour | None = None


def _sample_value(hint: object, name: str) -> object:
    members = [member for member in typing.get_args(hint) if member is not type(None)]
    if len(members) == 1:
        hint = members[0]
    samples: dict[object, object] = {
        str: f"{name} value",
        int: 7,
        bool: True,
        uuid.UUID: uuid.uuid4(),
        datetime: AT + timedelta(hours=1),
    }
    if hint in samples:
        return samples[hint]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return list(hint)[-1]
    pytest.fail(f"no sample for a {hint} field ({name}): add one to _sample_value")


def _sample(event_type: type[DomainEvent]) -> DomainEvent:
    hints = typing.get_type_hints(event_type)
    values: dict[str, Any] = {
        field.name: _sample_value(hints[field.name], field.name)
        for field in dataclasses.fields(event_type)
        if field.name not in BASE_FIELDS
    }
    return event_type(aggregate_id=uuid.uuid4(), occurred_at=AT, **values)


def _all_subclasses(root: type[DomainEvent]) -> set[type[DomainEvent]]:
    found: set[type[DomainEvent]] = set()
    for subclass in root.__subclasses__():
        # dataclass(slots=True) replaces the class it decorates: the module has the new one.
        if getattr(sys.modules[subclass.__module__], subclass.__name__, None) is subclass:
            found.add(subclass)
        found |= _all_subclasses(subclass)
    return found


def test_discovery_finds_every_event_class_of_the_domain() -> None:
    assert {"UserRegistered", "UserPasswordChanged"} <= set(EVENT_TYPES)
    defined = {
        event_type
        for event_type in _all_subclasses(DomainEvent)
        if event_type.__module__.startswith("app.domain.events.")
    }
    assert set(EVENT_TYPES.values()) == defined
    assert all(name == event_type.__name__ for name, event_type in EVENT_TYPES.items())


@pytest.mark.parametrize("event_type", EVENT_TYPES.values(), ids=list(EVENT_TYPES))
def test_every_event_type_comes_back_as_it_was(event_type: type[DomainEvent]) -> None:
    event = _sample(event_type)

    record = to_record(event)

    assert (record.event_id, record.aggregate_id, record.occurred_at) == (
        event.event_id,
        event.aggregate_id,
        event.occurred_at,
    )
    assert (record.event_type, record.schema_version) == (
        event_type.__name__,
        event_type.schema_version,
    )
    own_fields = {field.name for field in dataclasses.fields(event_type)} - BASE_FIELDS
    assert set(json.loads(record.data)) == own_fields
    assert from_record(record, EVENT_TYPES) == event


def test_field_values_come_back_with_their_types() -> None:
    event = Painted(
        aggregate_id=uuid.uuid4(),
        occurred_at=AT,
        colour=Colour.BLUE,
        painter=uuid.uuid4(),
        dried_at=AT.astimezone(timezone(timedelta(hours=-5))),
        coats=2,
        previous=Colour.RED,
    )

    record = to_record(event)
    back = from_record(record, {"Painted": Painted})

    assert json.loads(record.data) == {
        "colour": "blue",
        "painter": str(event.painter),
        "dried_at": event.dried_at.isoformat(),
        "coats": 2,
        "note": None,
        "previous": "red",
    }
    # Compact, keys sorted: one event is always the same bytes in the outbox.
    assert record.data == (
        '{"coats":2,"colour":"blue","dried_at":"' + event.dried_at.isoformat() + '",'
        '"note":null,"painter":"' + str(event.painter) + '","previous":"red"}'
    )
    assert back == event
    assert isinstance(back, Painted)
    assert isinstance(back.colour, Colour)
    assert isinstance(back.painter, uuid.UUID)
    assert back.dried_at.utcoffset() == timedelta(hours=-5)


def _painted_record(data: dict[str, object], version: int = 1) -> EventRecord:
    return EventRecord(
        event_id=uuid.uuid4(),
        event_type="Painted",
        schema_version=version,
        aggregate_id=uuid.uuid4(),
        occurred_at=AT,
        data=json.dumps(data),
    )


def test_a_field_added_later_with_a_default_reads_older_records() -> None:
    older = _painted_record(
        {"colour": "red", "painter": str(uuid.uuid4()), "dried_at": AT.isoformat(), "coats": 1}
    )

    event = from_record(older, {"Painted": Painted})

    assert isinstance(event, Painted)
    assert (event.note, event.previous) == (None, None)


def test_a_field_this_version_does_not_know_is_left_out() -> None:
    newer = _painted_record(
        {
            "colour": "red",
            "painter": str(uuid.uuid4()),
            "dried_at": AT.isoformat(),
            "coats": 1,
            "brush": "wide",
        }
    )

    event = from_record(newer, {"Painted": Painted})

    assert isinstance(event, Painted)
    assert not hasattr(event, "brush")


def test_an_unknown_event_type_is_refused() -> None:
    record = dataclasses.replace(to_record(_sample(Painted)), event_type="UserDeleted")

    with pytest.raises(UnknownEventError, match="UserDeleted version 1"):
        from_record(record, {"Painted": Painted})


@pytest.mark.parametrize("offset", [1, -1], ids=["newer", "older"])
def test_an_unknown_schema_version_is_refused(offset: int) -> None:
    record = to_record(_sample(Painted))
    record = dataclasses.replace(record, schema_version=record.schema_version + offset)

    with pytest.raises(UnknownEventError, match="Painted version"):
        from_record(record, {"Painted": Painted})


EVENT_MODULE = """
from dataclasses import dataclass

from app.domain.events.domain_event import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class {name}(DomainEvent):
    pass
"""


def _events_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **modules: str) -> str:
    package = f"events_fixture_{uuid.uuid4().hex}"
    (tmp_path / package / "nested").mkdir(parents=True)
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "nested" / "__init__.py").write_text("")
    for name, source in modules.items():
        path = tmp_path / package / f"{name.replace('__', '/')}.py"
        path.write_text(textwrap.dedent(source.format(package=package)))
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def test_discovery_walks_nested_modules_and_skips_re_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _events_package(
        tmp_path,
        monkeypatch,
        shipped=EVENT_MODULE.format(name="Shipped"),
        nested__returned=EVENT_MODULE.format(name="Returned"),
        reexport="from {package}.shipped import Shipped  # noqa: F401\n",
    )

    found = discover_event_types(package)

    assert {name: event_type.__module__ for name, event_type in found.items()} == {
        "Shipped": f"{package}.shipped",
        "Returned": f"{package}.nested.returned",
    }


def test_two_event_classes_of_one_name_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _events_package(
        tmp_path,
        monkeypatch,
        shipped=EVENT_MODULE.format(name="Shipped"),
        nested__shipped=EVENT_MODULE.format(name="Shipped"),
    )

    with pytest.raises(DuplicateEventTypeError, match="Shipped"):
        discover_event_types(package)
