"""The listing's cursor: opaque to clients, the position of a page's last account.

Not signed: forging one only moves the caller within a listing they may read anyway.
"""

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime

from app.application.queries.list_users import UserPosition
from app.domain.errors import ValidationError

MAX_LENGTH = 200


def encode_cursor(position: UserPosition) -> str:
    raw = json.dumps([position.created_at.isoformat(), str(position.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> UserPosition:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, user_id = json.loads(raw)
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None:
            raise _not_ours()
        # In UTC, as stored; a date at the edge of the calendar overflows here, not later.
        return UserPosition(moment.astimezone(UTC), uuid.UUID(user_id))
    except (binascii.Error, AttributeError, OverflowError, TypeError, ValueError):
        # ValueError covers bad JSON, bad UTF-8, a bad date or id and a wrong shape.
        raise _not_ours() from None


def _not_ours() -> ValidationError:
    return ValidationError("The cursor is not one this service issued", code="INVALID_CURSOR")
