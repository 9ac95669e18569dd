"""Counts 429 refusals by limit (the RejectionCounter port)."""

from app.infrastructure.metrics.service_metrics import RATE_LIMIT_REJECTIONS


class PrometheusRejectionCounter:
    def rejected(self, limit: str) -> None:
        RATE_LIMIT_REJECTIONS.labels(limit).inc()
