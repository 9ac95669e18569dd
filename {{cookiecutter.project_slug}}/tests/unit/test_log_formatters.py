"""The two log formats: JSON lines for collectors, readable lines for a terminal."""

import json
import logging
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from app.infrastructure.console_log_formatter import ConsoleFormatter
from app.infrastructure.logging import JsonFormatter

# Built from a local wall-clock time, so the console's local time is the same in every zone.
CREATED = datetime(2026, 1, 2, 3, 4, 5, 678_000).timestamp()
ACCESS: dict[str, Any] = {
    "request_id": "req-42",
    "user_id": "0b6f0c9e",
    "method": "GET",
    "path": "/health",
    "status": 200,
    "duration_ms": 1.25,
}
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _record(
    message: str = "request",
    level: int = logging.INFO,
    exc_info: ExcInfo | None = None,
    **extra: Any,
) -> logging.LogRecord:
    logger = logging.getLogger("app.access")
    record = logger.makeRecord("app.access", level, __file__, 1, message, (), exc_info, extra=extra)
    record.created = CREATED
    return record


def _raised() -> ExcInfo:
    try:
        raise ValueError("boom")
    except ValueError as error:
        return type(error), error, error.__traceback__


def test_console_line_is_time_level_logger_message_then_the_fields() -> None:
    line = ConsoleFormatter().format(_record(**ACCESS))

    assert line == (
        "03:04:05.678 INFO     app.access request request_id=req-42 user_id=0b6f0c9e "
        "method=GET path=/health status=200 duration_ms=1.25"
    )


def test_console_escapes_control_characters_a_client_put_in_a_path() -> None:
    line = ConsoleFormatter().format(_record(path="/\x1b[2J\x07", method="GET\tX"))

    assert "\x1b" not in line
    assert "\x07" not in line
    assert "\t" not in line
    assert line.endswith('path="/\\u001b[2J\\u0007" method="GET\\tX"')


def test_console_leaves_out_unknown_fields_and_quotes_ambiguous_ones() -> None:
    line = ConsoleFormatter().format(
        _record(request_id="req-42", user_id=None, path="/a b", agent='say "hi"', note="")
    )

    assert line == (
        '03:04:05.678 INFO     app.access request request_id=req-42 path="/a b" '
        'agent="say \\"hi\\"" note=""'
    )


def test_console_writes_a_traceback_below_its_line() -> None:
    record = _record("unhandled error", logging.ERROR, _raised(), request_id="req-42")

    first, *traceback = ConsoleFormatter().format(record).splitlines()

    assert first == "03:04:05.678 ERROR    app.access unhandled error request_id=req-42"
    assert traceback[0] == "Traceback (most recent call last):"
    assert traceback[-1] == "ValueError: boom"


def test_json_line_holds_every_field_including_unknown_ones() -> None:
    line = JsonFormatter().format(_record(**{**ACCESS, "user_id": None}))

    assert json.loads(line) == {
        "time": datetime.fromtimestamp(CREATED, UTC).isoformat(),
        "level": "INFO",
        "logger": "app.access",
        "message": "request",
        **ACCESS,
        "user_id": None,
    }


def test_json_keeps_a_traceback_inside_its_one_line() -> None:
    line = JsonFormatter().format(_record("unhandled error", logging.ERROR, _raised()))

    assert "\n" not in line
    assert json.loads(line)["exception"].endswith("ValueError: boom")
