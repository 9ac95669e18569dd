"""Conversions between Python values and what both SQLite and PostgreSQL accept.

Ids and timestamps travel as ISO text, which PostgreSQL casts to uuid and
timestamptz and SQLite stores as is; rows come back as uuid/datetime objects
(PostgreSQL) or text (SQLite) and are normalised here.
"""

import uuid
from datetime import UTC, datetime


def to_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def to_datetime(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def optional_datetime(value: object) -> datetime | None:
    return None if value is None else to_datetime(value)


def timestamp(moment: datetime) -> str:
    # Fixed width (always microseconds), so SQLite can compare the text in order.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
