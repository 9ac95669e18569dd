"""Application factory; `python -m app serve` serves the module-level app (see README)."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import TracerProvider

from app import __version__
from app.bootstrap import build_container
from app.infrastructure.config import ConfigurationError, Settings, load_settings
from app.infrastructure.errors import INFRASTRUCTURE_ERRORS, is_transient
from app.infrastructure.logging import configure_logging
from app.infrastructure.metrics.prometheus_request_recorder import PrometheusRequestRecorder
from app.infrastructure.signing_key import PER_PROCESS_KEY_WARNING
from app.infrastructure.telemetry.trace_log_fields import add_trace_ids_to_log_lines
from app.infrastructure.telemetry.tracer_provider import tracer_provider_from_environment
from app.interfaces.api.allowed_methods import AllowedMethods
from app.interfaces.api.cors import allow_cross_origin
from app.interfaces.api.errors import install_error_handlers
from app.interfaces.api.metrics_middleware import MetricsMiddleware
from app.interfaces.api.middleware import RequestMiddleware
from app.interfaces.api.openapi import document_api
from app.interfaces.api.request_tracing import trace_requests
from app.interfaces.api.routes import auth, health, users
from app.interfaces.api.security_headers import SecurityHeaders

ROUTERS: tuple[APIRouter, ...] = (health.router, auth.router, users.router)
logger = logging.getLogger("app.main")


def create_app(
    settings: Settings | None = None, tracer_provider: TracerProvider | None = None
) -> FastAPI:
    """`tracer_provider` defaults to what OTEL_* configures: usually none (README, "Tracing")."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)
    tracer_provider = tracer_provider or tracer_provider_from_environment()
    if settings.signs_with_a_per_process_key:
        logger.warning(PER_PROCESS_KEY_WARNING)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with build_container(settings, tracer_provider) as container:
            app.state.container = container
            # What startup built lives as long as the app: kept out of the collector's full
            # passes, which would otherwise walk all of it every time (tens of ms, the read's
            # p99). Unfrozen again when the app stops, so a process that builds several apps
            # (the tests) can still collect the old ones.
            gc.freeze()
            try:
                yield
            finally:
                gc.unfreeze()

    docs = settings.api_docs_enabled
    app = FastAPI(
        title=settings.app_name,
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        # "/users/" is not "/users": answer 404 in the envelope, not a redirect.
        redirect_slashes=False,
    )
    app.add_middleware(
        RequestMiddleware,
        max_body_bytes=settings.max_request_body_bytes,
        security_headers=SecurityHeaders(hsts_max_age_seconds=settings.hsts_seconds),
    )
    if settings.metrics_port:
        # Outside RequestMiddleware, so its 413s and 500s are counted too; without
        # METRICS_PORT a request pays nothing for metrics.
        app.add_middleware(MetricsMiddleware, recorder=PrometheusRequestRecorder())
    # Around both: RequestMiddleware's own answers (413, 500) get CORS headers too.
    allow_cross_origin(app, settings.cors_origins)
    install_error_handlers(
        app, infrastructure_errors=INFRASTRUCTURE_ERRORS, is_transient=is_transient
    )
    for router in ROUTERS:
        # The routes join the app's own table, paths and tags already set by their router:
        # FastAPI keeps an included router as one entry that every request is matched
        # through, about a tenth of a /health. So app.dependency_overrides does not reach
        # them; tests swap a component through Settings and the container instead.
        app.router.routes.extend(router.routes)
    app.state.allowed_methods = AllowedMethods(app.routes)
    if tracer_provider is not None:
        add_trace_ids_to_log_lines()
        trace_requests(app, tracer_provider)
    document_api(app)
    return app


def _create_app_or_exit() -> FastAPI:
    """The app uvicorn imports: bad settings end the process with one line, like the CLI."""
    try:
        return create_app()
    except ConfigurationError as error:
        raise SystemExit(f"error: {error}") from None


app = _create_app_or_exit()
