"""The tracer provider the standard OTEL_* variables ask for, or None when spans go nowhere.

Without an exporter nothing is traced at all: no middleware, no wrapper, no per-request
cost. The SDK itself reads the rest (OTEL_TRACES_SAMPLER, OTEL_BSP_*, OTEL_EXPORTER_OTLP_*).
"""

import os
import sys
from collections.abc import Callable, Sequence

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from app.infrastructure.config import ConfigurationError

DEFAULT_SERVICE_NAME = "{{ cookiecutter.project_slug }}"
EXPORTERS: dict[str, Callable[[], SpanExporter]] = {
    "otlp": OTLPSpanExporter,
    # sys.stdout as it is when tracing starts: the SDK's default is bound at its import.
    "console": lambda: ConsoleSpanExporter(out=sys.stdout),
}
_OTLP_ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def tracer_provider_from_environment() -> TracerProvider | None:
    exporters = [EXPORTERS[name]() for name in exporter_names()]
    if not exporters:
        return None
    return build_tracer_provider([BatchSpanProcessor(exporter) for exporter in exporters])


def build_tracer_provider(processors: Sequence[SpanProcessor]) -> TracerProvider:
    """The provider the service traces with; tests hand it an in-memory exporter's processor."""
    # Resource.create puts the attributes it is given above OTEL_SERVICE_NAME and
    # OTEL_RESOURCE_ATTRIBUTES; merged again on top, the environment wins over the default.
    resource = Resource.create({SERVICE_NAME: DEFAULT_SERVICE_NAME}).merge(
        OTELResourceDetector().detect()
    )
    # The container shuts it down with the app; an exit hook would keep every test's alive.
    provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def exporter_names() -> list[str]:
    """OTEL_TRACES_EXPORTER's exporters; unset, otlp when an OTLP endpoint is, else none."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    configured = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not configured:
        return ["otlp"] if any(os.environ.get(name) for name in _OTLP_ENDPOINTS) else []
    names = [name.strip() for name in configured.split(",")]
    if "none" in names:
        return []
    unknown = [name for name in names if name not in EXPORTERS]
    if unknown:
        raise ConfigurationError(
            f"OTEL_TRACES_EXPORTER={configured}: unknown {', '.join(unknown)}; "
            "use otlp, console or none"
        )
    return names
