"""trace_id and span_id on log lines: the current span's, or the access line's own request's."""

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span, format_span_id, format_trace_id

from app.infrastructure.logging import JsonFormatter
from app.infrastructure.telemetry.trace_log_fields import TraceContextFilter
from app.interfaces.api.access_log import AccessLog

SCOPE = {"method": "GET", "path": "/health", "client": ("127.0.0.1", 1), "state": {}}


class _Lines(logging.Handler):
    """Keeps each record as the JSON line the service would write."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []
        self.setFormatter(JsonFormatter())
        self.addFilter(TraceContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines() -> Iterator[list[dict[str, object]]]:
    handler = _Lines()
    logger = logging.getLogger("app")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _ids(span: Span) -> dict[str, str]:
    context = span.get_span_context()
    return {
        "trace_id": format_trace_id(context.trace_id),
        "span_id": format_span_id(context.span_id),
    }


def test_a_line_inside_a_span_names_it(lines: list[dict[str, object]]) -> None:
    with TracerProvider().get_tracer("test").start_as_current_span("GetUserQuery") as span:
        logging.getLogger("app.errors").warning("dependency unavailable")

    ((line),) = lines
    assert {key: line[key] for key in ("trace_id", "span_id")} == _ids(span)


def test_a_line_outside_any_span_has_no_trace_fields(lines: list[dict[str, object]]) -> None:
    logging.getLogger("app.errors").warning("dependency unavailable")

    ((line),) = lines
    assert "trace_id" not in line
    assert "span_id" not in line


async def test_an_access_line_is_not_marked_with_another_request_s_span(
    lines: list[dict[str, object]],
) -> None:
    """Written a loop turn later, the line must not take the span of whoever wrote first."""
    access_log = AccessLog()
    with TracerProvider().get_tracer("test").start_as_current_span("GET /api/v1/users"):
        access_log.write(SCOPE, "untraced-request", 200, 0.0)
    await asyncio.sleep(0)

    ((line),) = lines
    assert line["request_id"] == "untraced-request"
    assert "trace_id" not in line


async def test_an_access_line_keeps_its_own_request_s_ids(lines: list[dict[str, object]]) -> None:
    ids = {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"}
    traced_scope = {**SCOPE, "state": {"trace_ids": ids}}

    AccessLog().write(traced_scope, "traced-request", 200, 0.0)
    await asyncio.sleep(0)

    ((line),) = lines
    assert {key: line[key] for key in ids} == ids
