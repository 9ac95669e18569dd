"""CORS for browser front ends on the origins of CORS_ALLOW_ORIGINS, Starlette's own check.

The policy: tokens travel in the Authorization header, never in cookies, so credentials
mode is off (no Access-Control-Allow-Credentials) and a page of another site gets
nothing a user's browser holds. Scripts may read X-Request-ID (to quote in a support
request) and Retry-After (to back off after a 429 or 503). A preflight that asks for
more than this is refused in the error envelope, without any Access-Control header.

It wraps everything else, RequestMiddleware included, so that the answers made there
(413, a last-resort 500, a 503 at shutdown) carry the headers too: a page can tell them
from a network failure. Preflights are answered here, before RequestMiddleware: they
get nosniff from this module, and no request id or access-log line.
"""

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from app.interfaces.api.schemas.errors import envelope

ALLOWED_METHODS = ("GET", "POST", "PATCH")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-Request-ID")
EXPOSED_HEADERS = ("X-Request-ID", "Retry-After")
# Browsers cap it anyway (Chromium at 2 hours); 10 minutes lets a policy change reach
# open pages soon.
PREFLIGHT_MAX_AGE_SECONDS = 600
_BODY_HEADERS = ("content-length", "content-type")
_NOSNIFF = {"X-Content-Type-Options": "nosniff"}


class EnvelopedCorsMiddleware(CORSMiddleware):
    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE_SECONDS,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code == 200:
            headers = {k: v for k, v in answer.headers.items() if k not in _BODY_HEADERS}
            return Response(status_code=204, headers={**headers, **_NOSNIFF})
        # Only Vary is kept: what a cache needs, nothing a browser could go on with.
        vary = {"Vary": answer.headers["vary"]} if "vary" in answer.headers else {}
        return JSONResponse(
            envelope(
                "CORS_PREFLIGHT_REFUSED",
                "This origin, method or header is not allowed across origins",
            ),
            status_code=403,
            headers={**vary, **_NOSNIFF},
        )


def allow_cross_origin(app: FastAPI, origins: tuple[str, ...]) -> None:
    """Installed only when some origin is allowed: otherwise no request pays for it."""
    if origins:
        app.add_middleware(EnvelopedCorsMiddleware, origins=origins)
