"""HTTP request timings into the histogram of service_metrics.py (MetricsMiddleware's recorder)."""

from typing import Any

from app.infrastructure.metrics.service_metrics import HTTP_REQUEST_SECONDS


class PrometheusRequestRecorder:
    def __init__(self) -> None:
        # Each label combination's child, so a request skips prometheus_client's locked lookup.
        self._children: dict[tuple[str, str, int], Any] = {}

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = HTTP_REQUEST_SECONDS.labels(method, route, str(status))
        child.observe(seconds)
