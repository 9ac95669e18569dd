"""Application factory. `uvicorn app.main:app` serves the module-level app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi_request_pipeline import enrich_openapi

from app import __version__
from app.bootstrap import build_container
from app.infrastructure.config import ConfigurationError, Settings, load_settings
from app.infrastructure.errors import INFRASTRUCTURE_ERRORS, is_transient
from app.infrastructure.logging import configure_logging
from app.interfaces.api.errors import install_error_handlers
from app.interfaces.api.middleware import RequestMiddleware
from app.interfaces.api.routes import auth, health, users

ROUTERS: tuple[APIRouter, ...] = (health.router, auth.router, users.router)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with build_container(settings) as container:
            app.state.container = container
            yield

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
    app.add_middleware(RequestMiddleware, max_body_bytes=settings.max_request_body_bytes)
    install_error_handlers(
        app, infrastructure_errors=INFRASTRUCTURE_ERRORS, is_transient=is_transient
    )
    for router in ROUTERS:
        app.include_router(router)
    _document_flows(app)
    return app


def _document_flows(app: FastAPI) -> None:
    """Publish each flow's security (Bearer on protected routes) in the OpenAPI schema.

    enrich_openapi() only sees routes placed directly on an app, while FastAPI keeps an
    included router as one entry; so enrich a flat view of the same route objects and
    serve that view's schema.
    """
    docs = FastAPI(title=app.title, version=app.version)
    for router in ROUTERS:
        docs.router.routes.extend(router.routes)
    enrich_openapi(docs)
    app.openapi = docs.openapi  # type: ignore[method-assign]


def _create_app_or_exit() -> FastAPI:
    """The app uvicorn imports: bad settings end the process with one line, like the CLI."""
    try:
        return create_app()
    except ConfigurationError as error:
        raise SystemExit(f"error: {error}") from None


app = _create_app_or_exit()
