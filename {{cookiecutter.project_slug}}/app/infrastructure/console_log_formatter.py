"""LOG_FORMAT=console: one readable line per record, for a developer's terminal."""

import json
import logging
from datetime import datetime

from app.infrastructure.log_fields import extra_fields

# Characters that would blur where one key=value pair ends and the next begins.
_NEEDS_QUOTES = frozenset(' "=')


class ConsoleFormatter(logging.Formatter):
    """`14:03:27.512 INFO     app.access request request_id=9f2c... method=GET status=200`."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created)
        time = f"{moment:%H:%M:%S}.{moment.microsecond // 1000:03d}"
        line = f"{time} {record.levelname:<8} {record.name} {record.getMessage()}"
        # None means "not known here" (an anonymous request has no user_id): leave it out.
        fields = " ".join(
            f"{key}={_text(value)}"
            for key, value in extra_fields(record).items()
            if value is not None
        )
        if fields:
            line = f"{line} {fields}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def _text(value: object) -> str:
    text = str(value)
    # Escaped, not written raw: a client-chosen path such as /%1b[2J must not drive
    # the developer's terminal with control characters.
    if not text or not text.isprintable() or _NEEDS_QUOTES & set(text):
        return json.dumps(text)
    return text
