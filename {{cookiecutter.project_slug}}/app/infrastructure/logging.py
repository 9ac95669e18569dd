"""Logging on stdout, one record per line: JSON (LOG_FORMAT=json) or readable text (console)."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from app.infrastructure.console_log_formatter import ConsoleFormatter
from app.infrastructure.log_fields import extra_fields
from app.infrastructure.logging_security_log import security_logger
from app.infrastructure.shutdown_cancellation_filter import ShutdownCancellationFilter
from app.infrastructure.transient_stage_error_filter import (
    PIPELINE_LOGGER,
    TransientStageErrorFilter,
)

LogFormat = Literal["console", "json"]
# Below WARNING the database drivers log what a service must not: aiosqlite each
# statement with its parameters (emails, password and token hashes), psycopg each
# connection attempt. Nothing else they say there is worth that risk.
DRIVER_LOGGERS = ("aiosqlite", "psycopg", "row_query")
DRIVER_LOG_FLOOR = logging.WARNING


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
    # A logger's own level decides before the root's, so this holds whatever LOG_LEVEL is.
    for name in DRIVER_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, DRIVER_LOG_FLOOR))
    # The audit trail is kept whatever LOG_LEVEL quiets: a WARNING level must not drop it.
    security_logger.setLevel(min(root.level, logging.INFO))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, ShutdownCancellationFilter) for f in uvicorn_errors.filters):
        uvicorn_errors.addFilter(ShutdownCancellationFilter())
    pipeline = logging.getLogger(PIPELINE_LOGGER)
    if not any(isinstance(f, TransientStageErrorFilter) for f in pipeline.filters):
        pipeline.addFilter(TransientStageErrorFilter())
    # The service writes its own access line with a request id; uvicorn's would duplicate it.
    logging.getLogger("uvicorn.access").disabled = True
