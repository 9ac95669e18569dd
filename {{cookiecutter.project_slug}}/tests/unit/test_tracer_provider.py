"""Which OTEL_* settings trace, and where the spans go: nowhere unless an exporter is named."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.sdk.trace import TracerProvider

from app.infrastructure.config import ConfigurationError
from app.infrastructure.telemetry.tracer_provider import (
    DEFAULT_SERVICE_NAME,
    tracer_provider_from_environment,
)

OTEL_VARIABLES = (
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
)


@pytest.fixture(autouse=True)
def no_otel_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that keeps what it was sent."""

    received: list[tuple[str, str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads what arrived, not a log of it."""


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    received: list[tuple[str, str, bytes]] = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()


def _traced(monkeypatch: pytest.MonkeyPatch, **variables: str) -> TracerProvider | None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return tracer_provider_from_environment()


def test_nothing_configured_traces_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _traced(monkeypatch) is None


@pytest.mark.parametrize(
    "variables",
    [
        pytest.param({"OTEL_TRACES_EXPORTER": "none"}, id="exporter-none"),
        pytest.param({"OTEL_SDK_DISABLED": "TRUE"}, id="sdk-disabled"),
    ],
)
def test_an_endpoint_is_not_enough_when_tracing_is_turned_off(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]
) -> None:
    endpoint = "http://127.0.0.1:1"
    assert _traced(monkeypatch, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, **variables) is None


@pytest.mark.parametrize(
    "endpoint_variable", ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
)
def test_an_otlp_endpoint_receives_the_spans_over_http(
    monkeypatch: pytest.MonkeyPatch,
    collector: tuple[str, list[tuple[str, str, bytes]]],
    endpoint_variable: str,
) -> None:
    url, received = collector
    # The traces-only variable is the full URL; the general one is a base, /v1/traces added.
    endpoint = f"{url}/v1/traces" if endpoint_variable.endswith("TRACES_ENDPOINT") else url
    provider = _traced(monkeypatch, **{endpoint_variable: endpoint})
    assert provider is not None

    with provider.get_tracer("test").start_as_current_span("GetUserQuery"):
        pass
    provider.shutdown()

    ((path, content_type, body),) = received
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    assert b"GetUserQuery" in body
    assert DEFAULT_SERVICE_NAME.encode() in body


def test_the_console_exporter_prints_each_span(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = _traced(monkeypatch, OTEL_TRACES_EXPORTER="console")
    assert provider is not None

    with provider.get_tracer("test").start_as_current_span("LoginUserCommand"):
        pass
    provider.shutdown()

    assert '"name": "LoginUserCommand"' in capsys.readouterr().out


def test_an_unknown_exporter_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="unknown zipkin; use otlp, console or none"):
        _traced(monkeypatch, OTEL_TRACES_EXPORTER="console,zipkin")


@pytest.mark.parametrize(
    ("variables", "service_name"),
    [
        pytest.param({}, DEFAULT_SERVICE_NAME, id="project-slug"),
        pytest.param({"OTEL_SERVICE_NAME": "billing"}, "billing", id="otel-service-name"),
        pytest.param(
            {"OTEL_RESOURCE_ATTRIBUTES": "service.name=ledger"}, "ledger", id="resource-attributes"
        ),
    ],
)
def test_the_service_is_named_by_otel_or_after_the_project(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], service_name: str
) -> None:
    provider = _traced(monkeypatch, OTEL_TRACES_EXPORTER="console", **variables)
    assert provider is not None
    try:
        assert provider.resource.attributes["service.name"] == service_name
    finally:
        provider.shutdown()
