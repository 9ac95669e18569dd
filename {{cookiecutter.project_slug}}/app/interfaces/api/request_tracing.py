"""The server span of each request, named by its route template ("GET /api/v1/users/{user_id}").

OpenTelemetry's FastAPI instrumentation, installed only when tracing is on: it wraps the
whole middleware stack, so the request middleware, the error handlers and the access
log all run inside the span.
"""

import re
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from app.interfaces.api.access_log import TRACE_IDS

# "{user_id:not_me}" in a route's path is "{user_id}" in its documented template.
_CONVERTOR = re.compile(r"\{(\w+):\w+\}")


def trace_requests(app: FastAPI, tracer_provider: trace.TracerProvider) -> None:
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        server_request_hook=_on_server_span,
        # One span per request, not one more per ASGI message in and out.
        exclude_spans=["receive", "send"],
    )


def _on_server_span(span: trace.Span, scope: dict[str, Any]) -> None:
    # The instrumentation names the span by the route's path, convertors included.
    name = getattr(span, "name", "")
    template = _CONVERTOR.sub(r"{\1}", name)
    if template != name:
        span.update_name(template)
        span.set_attribute("http.route", template.partition(" ")[2])
    # The access line is written a loop turn after its request ended (access_log.py).
    context = span.get_span_context()
    scope.setdefault("state", {})[TRACE_IDS] = {
        "trace_id": trace.format_trace_id(context.trace_id),
        "span_id": trace.format_span_id(context.span_id),
    }
