"""Without METRICS_PORT nothing measures; with it, every request passes the metrics first."""

from fastapi import FastAPI

from app.infrastructure.config import Settings
from app.interfaces.api.metrics_middleware import MetricsMiddleware
from app.main import create_app


def test_without_a_metrics_port_no_request_passes_the_metrics_middleware(
    settings: Settings,
) -> None:
    app = create_app(settings)

    assert settings.metrics_port == 0
    assert MetricsMiddleware not in _middleware_classes(app)


def test_with_a_metrics_port_the_metrics_middleware_is_the_outermost(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_port": 9100}))

    assert _middleware_classes(app)[0] is MetricsMiddleware


def _middleware_classes(app: FastAPI) -> list[object]:
    return [middleware.cls for middleware in app.user_middleware]
