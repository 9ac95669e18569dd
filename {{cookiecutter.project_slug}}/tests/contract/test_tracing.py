"""Tracing end to end: the span tree of real requests, caught by an in-memory exporter.

The provider is built by the function the service builds its own with; only the
exporter differs. Without OTEL_* nothing is installed at all.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import format_span_id, format_trace_id

from app.infrastructure.config import Settings
from app.infrastructure.telemetry.tracer_provider import build_tracer_provider
from app.main import create_app

from .helpers import LOGIN, PASSWORD, USERS, client_for, signed_up

DB_SYSTEM = "{{ cookiecutter.db_driver }}"
CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{CALLER_TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@asynccontextmanager
async def traced(settings: Settings, exporter: InMemorySpanExporter) -> AsyncIterator[FastAPI]:
    """create_app(settings) with a provider built the way the service builds its own."""
    app = create_app(settings, build_tracer_provider([SimpleSpanProcessor(exporter)]))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def traced_app(settings: Settings, exporter: InMemorySpanExporter) -> AsyncIterator[FastAPI]:
    async with traced(settings, exporter) as app:
        yield app


@pytest.fixture
async def traced_client(traced_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(traced_app) as client:
        yield client


def _named(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def _parent_id(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def _span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    span_id: int = span.context.span_id
    return span_id


async def test_a_read_is_a_server_span_over_the_query_over_its_sql(
    traced_client: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    alice = await signed_up(traced_client, "alice")
    exporter.clear()

    response = await traced_client.get(f"{USERS}/{alice.id}", headers=alice.headers)

    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    (server,) = _named(spans, "GET /api/v1/users/{user_id}")
    (query,) = _named(spans, "GetUserQuery")
    statements = _named(spans, "users.get_by_id")
    assert _parent_id(server) is None
    assert (server.attributes or {}).get("http.route") == "/api/v1/users/{user_id}"
    assert _parent_id(query) == _span_id(server)
    assert statements
    for statement in statements:
        assert _parent_id(statement) == _span_id(query)
        # The statement's name and the database, never a parameter such as the user id.
        assert dict(statement.attributes or {}) == {"db.system": DB_SYSTEM}
    assert {span.context.trace_id for span in spans if span.context} == {
        server.context.trace_id if server.context else None
    }


async def test_a_login_verifies_the_password_inside_its_command(
    traced_client: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    alice = await signed_up(traced_client, "alice")
    exporter.clear()

    response = await traced_client.post(LOGIN, json={"email": alice.email, "password": PASSWORD})

    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    (server,) = _named(spans, "POST /api/v1/auth/login")
    (command,) = _named(spans, "LoginUserCommand")
    (verify,) = _named(spans, "password.verify")
    assert _parent_id(command) == _span_id(server)
    assert _parent_id(verify) == _span_id(command)
    (lookup,) = _named(spans, "users.load_by_email")
    assert _parent_id(lookup) == _span_id(command)
    for span in spans:
        values = " ".join(str(value) for value in (span.attributes or {}).values())
        assert alice.email not in values
        assert PASSWORD not in values


async def test_a_failing_handler_marks_its_span_failed(
    traced_client: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    alice = await signed_up(traced_client, "alice")
    exporter.clear()

    response = await traced_client.post(LOGIN, json={"email": alice.email, "password": "wrong!!"})

    assert response.status_code == 401
    (command,) = _named(exporter.get_finished_spans(), "LoginUserCommand")
    assert not command.status.is_ok
    assert [event.name for event in command.events] == ["exception"]


@pytest.mark.usefixtures("restore_root_logging")
async def test_the_access_line_carries_the_request_s_trace_and_span(
    settings: Settings, exporter: InMemorySpanExporter, capsys: pytest.CaptureFixture[str]
) -> None:
    logged = settings.model_copy(update={"log_format": "json", "log_level": "INFO"})
    async with traced(logged, exporter) as app, client_for(app) as client:
        alice = await signed_up(client, "alice")
        exporter.clear()
        response = await client.get(f"{USERS}/{alice.id}", headers=alice.headers)
        await _lines_written()

    (server,) = _named(exporter.get_finished_spans(), "GET /api/v1/users/{user_id}")
    assert server.context is not None
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    request_id = response.headers["X-Request-ID"]
    (access,) = [line for line in lines if line.get("request_id") == request_id]
    assert access["trace_id"] == format_trace_id(server.context.trace_id)
    assert access["span_id"] == format_span_id(server.context.span_id)


async def test_an_incoming_traceparent_continues_the_caller_s_trace(
    traced_client: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    await traced_client.get("/health", headers={"traceparent": TRACEPARENT})

    (server,) = _named(exporter.get_finished_spans(), "GET /health")
    assert server.context is not None
    assert format_trace_id(server.context.trace_id) == CALLER_TRACE_ID


@pytest.mark.usefixtures("restore_root_logging")
async def test_without_otel_settings_nothing_is_traced(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    logged = settings.model_copy(update={"log_format": "json", "log_level": "INFO"})
    app = create_app(logged)

    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/health", headers={"traceparent": TRACEPARENT})
        await _lines_written()
        assert response.status_code == 200
        assert not _has_tracing_middleware(app)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (access,) = [line for line in lines if line.get("path") == "/health"]
    assert "trace_id" not in access


async def test_the_middleware_check_sees_the_tracing_middleware(
    traced_app: FastAPI, traced_client: httpx.AsyncClient
) -> None:
    """What the test above relies on: once a request built the stack, OpenTelemetry's is found."""
    await traced_client.get("/health")
    assert _has_tracing_middleware(traced_app)


def _has_tracing_middleware(app: FastAPI) -> bool:
    layer: object = app.middleware_stack
    while layer is not None:
        if type(layer).__module__.startswith("opentelemetry"):
            return True
        layer = getattr(layer, "app", None)
    return False


async def _lines_written() -> None:
    """The access log writes a turn of the event loop's lines at the start of the next."""
    await asyncio.sleep(0)
