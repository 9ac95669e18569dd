"""One domain event as a Redis Stream entry: an EventRecord's fields and back, in one place.

Every value travels as text: uuids and the time in ISO 8601 (with its UTC offset),
the schema version as a number, `data` as the event's own JSON object. Another
service reads the stream with no code of ours (README, "Domain events").
"""

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
{%- if cookiecutter.python_version == "3.11" %}
from typing import TypeVar
{%- endif %}

from redis.typing import EncodableT, FieldT

from app.application.events.event_record import EventRecord
{%- if cookiecutter.python_version == "3.11" %}

ParsedT = TypeVar("ParsedT")
{%- endif %}

FIELDS = ("event_id", "type", "version", "aggregate_id", "occurred_at", "data")


class MalformedEntryError(ValueError):
    """An entry that is no event of ours: a field is missing or cannot be read."""


# An error message quotes at most this much of what it could not read: one log line for
# a bad entry, never the entry itself.
SHOWN_CHARACTERS = 100


def shortened(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def to_fields(record: EventRecord) -> dict[FieldT, EncodableT]:
    return {
        "event_id": str(record.event_id),
        "type": record.event_type,
        "version": str(record.schema_version),
        "aggregate_id": str(record.aggregate_id),
        "occurred_at": record.occurred_at.isoformat(),
        "data": record.data,
    }


def from_fields(fields: Mapping[bytes, bytes]) -> EventRecord:
    """The record an entry holds; MalformedEntryError says what is wrong with it."""
    try:
        text = {name.decode(): value.decode() for name, value in fields.items()}
    except UnicodeDecodeError:
        raise MalformedEntryError("a field is not UTF-8 text") from None
    missing = [name for name in FIELDS if name not in text]
    if missing:
        raise MalformedEntryError(f"no {', '.join(missing)} field")
    occurred_at = _parsed(text, "occurred_at", datetime.fromisoformat)
    if occurred_at.tzinfo is None:
        raise MalformedEntryError("occurred_at has no UTC offset")
    if not isinstance(_parsed(text, "data", json.loads), dict):
        raise MalformedEntryError("data is not a JSON object")
    return EventRecord(
        event_id=_parsed(text, "event_id", uuid.UUID),
        event_type=text["type"],
        schema_version=_parsed(text, "version", int),
        aggregate_id=_parsed(text, "aggregate_id", uuid.UUID),
        occurred_at=occurred_at,
        data=text["data"],
    )


{% if cookiecutter.python_version == "3.11" -%}
def _parsed(text: Mapping[str, str], name: str, parse: Callable[[str], ParsedT]) -> ParsedT:
{%- else -%}
def _parsed[ParsedT](
    text: Mapping[str, str], name: str, parse: Callable[[str], ParsedT]
) -> ParsedT:
{%- endif %}
    try:
        return parse(text[name])
    # RecursionError: JSON nested deeper than the parser goes ("[" a hundred thousand times).
    except (ValueError, TypeError, RecursionError) as error:
        # The parsers quote the value they refused, which may be as long as the entry.
        raise MalformedEntryError(f"unreadable {name}: {shortened(str(error))}") from None
