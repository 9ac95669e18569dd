"""Logging on stdout, one record per line: JSON (LOG_FORMAT=json) or readable text (console)."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from app.infrastructure.console_log_formatter import ConsoleFormatter
from app.infrastructure.log_fields import extra_fields

LogFormat = Literal["console", "json"]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(extra_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, log_format: LogFormat) -> None:
    """Route the root logger (and uvicorn's) through one stdout handler."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(ConsoleFormatter() if log_format == "console" else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The service writes its own access line with a request id; uvicorn's would duplicate it.
    logging.getLogger("uvicorn.access").disabled = True
