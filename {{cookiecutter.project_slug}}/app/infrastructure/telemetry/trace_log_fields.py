"""trace_id and span_id on each log line written inside a span, once tracing is on."""

import logging

from opentelemetry import trace


class TraceContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # The access log brings its request's ids: it writes a loop turn later, outside the span.
        if "trace_id" in vars(record):
            return True
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.__dict__["trace_id"] = trace.format_trace_id(context.trace_id)
            record.__dict__["span_id"] = trace.format_span_id(context.span_id)
        return True


def add_trace_ids_to_log_lines() -> None:
    """On the handlers, not the root logger: a logger's filters skip what its children log."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(TraceContextFilter())
