"""Application factory. `uvicorn app.main:app` serves the module-level app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_request_pipeline import enrich_openapi

from app import __version__
from app.bootstrap import build_container
from app.infrastructure.config import Settings, load_settings
from app.infrastructure.errors import DATABASE_UNAVAILABLE
from app.infrastructure.logging import configure_logging
from app.interfaces.api.errors import install_error_handlers
from app.interfaces.api.middleware import RequestMiddleware
from app.interfaces.api.routes import auth, health, users


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with build_container(settings) as container:
            app.state.container = container
            yield

    app = FastAPI(title=settings.app_name, version=__version__, lifespan=lifespan)
    app.add_middleware(RequestMiddleware, max_body_bytes=settings.max_request_body_bytes)
    install_error_handlers(app, unavailable=DATABASE_UNAVAILABLE)
    for module in (health, auth, users):
        app.include_router(module.router)
    enrich_openapi(app)
    return app


app = create_app()
