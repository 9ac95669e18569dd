"""The fields a log record carries beyond logging's own: what callers pass as `extra=`."""

import logging
from typing import Any

# Attributes every LogRecord has; anything else was passed through `extra=`.
# uvicorn's color_message duplicates the message with terminal escapes.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",
}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """request_id, user_id, status, ...: in the order the caller gave them."""
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
    }
