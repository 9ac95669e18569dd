"""Every error leaves the service in one envelope: {"error": {code, message, details}}."""

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_request_pipeline import FlowInternalError
from starlette.exceptions import HTTPException

from app.domain.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    DomainError,
    InvalidTokenError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from app.interfaces.api.middleware import BodyTooLargeError
from app.interfaces.api.schemas.errors import envelope
from app.interfaces.api.schemas.headers import BEARER_CHALLENGE, REFUSED_BEARER_CHALLENGE

logger = logging.getLogger("app.errors")

STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (AuthenticationError, 401),
    (AuthorizationError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ValidationError, 422),
    (RateLimitError, 429),
    (DomainError, 400),
)
# What a 503 tells the client to wait: the database or the hashing queue is busy, and
# a second is enough for a restarted server or a drained queue.
RETRY_AFTER_SECONDS = 1
CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "AUTHENTICATION_FAILED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(envelope(code, message, details), status_code=status, headers=headers)


def status_for(error: DomainError) -> int:
    return next(status for kind, status in STATUS_BY_ERROR if isinstance(error, kind))


async def domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers: dict[str, str] | None = None
    details = exc.details
    if isinstance(exc, AuthenticationError):
        # A handler that finds the token's account gone refuses the token, as the
        # authentication stage does; a failed login or refresh sent no bearer token.
        refused = isinstance(exc, InvalidTokenError)
        headers = {"WWW-Authenticate": REFUSED_BEARER_CHALLENGE if refused else BEARER_CHALLENGE}
    elif isinstance(exc, RateLimitError):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
        details = {**details, "retry_after_seconds": exc.retry_after_seconds}
    return error_response(status_for(exc), exc.code, exc.message, details, headers)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        return error_response(400, "MALFORMED_JSON", "Request body is not valid JSON")
    # Never echo the offending input back: it may be a password.
    fields = [
        {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
        for error in errors
    ]
    return error_response(422, "VALIDATION_ERROR", "Request validation failed", {"fields": fields})


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    cause = exc.__cause__
    if isinstance(cause, BodyTooLargeError):
        # FastAPI wraps errors raised while reading the body into a 400.
        return error_response(413, "PAYLOAD_TOO_LARGE", "Request body too large")
    # One fixed code for a status missing from the table: codes are an enum in the schema.
    code = getattr(cause, "code", None) or CODE_BY_STATUS.get(status, "HTTP_ERROR")
    if status >= 500:
        # Pipeline internals (e.g. "Internal flow error") are not for clients.
        logger.error("request failed inside a flow", exc_info=cause or exc)
        return error_response(status, CODE_BY_STATUS.get(status, code), "Internal server error")
    message = exc.detail if isinstance(exc.detail, str) else "Request failed"
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = request.app.state.allowed_methods.header(request.scope)
    # A stage's 429 says when to retry in the body too, as every Retry-After answer does.
    retry_after = headers.get("Retry-After")
    details = {"retry_after_seconds": int(retry_after)} if retry_after else None
    return error_response(status, code, message, details, headers=headers)


def install_error_handlers(
    app: FastAPI,
    *,
    infrastructure_errors: tuple[type[Exception], ...],
    is_transient: Callable[[Exception], bool],
) -> None:
    """Map every error class to the envelope; `is_transient` picks 503 over 500."""

    async def infrastructure_error_handler(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", None)
        if is_transient(exc):
            # What failed and why, on one line: driver and Redis messages name a host and
            # port at most, never a password.
            logger.warning(
                "dependency unavailable: %s: %s",
                type(exc).__name__,
                " ".join(str(exc).split()),
                extra={"request_id": request_id},
            )
            # In the body as well: not every client library exposes response headers.
            return error_response(
                503,
                "SERVICE_UNAVAILABLE",
                "Service temporarily unavailable",
                {"retry_after_seconds": RETRY_AFTER_SECONDS},
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        logger.error("infrastructure failure", exc_info=exc, extra={"request_id": request_id})
        return error_response(500, "INTERNAL_ERROR", "Internal server error")

    async def flow_error_handler(request: Request, exc: Exception) -> JSONResponse:
        # The pipeline turns a stage's own exception into a 500 HTTPException, two causes
        # down (HTTPException <- FlowInternalError <- error): a stage that met an
        # infrastructure failure (the rate limiter's store, say) is answered as a handler
        # that met it would be.
        wrapper = exc.__cause__
        origin = wrapper.__cause__ if isinstance(wrapper, FlowInternalError) else None
        if isinstance(origin, infrastructure_errors):
            return await infrastructure_error_handler(request, origin)
        return await http_error_handler(request, exc)

    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, flow_error_handler)
    for exc_type in infrastructure_errors:
        app.add_exception_handler(exc_type, infrastructure_error_handler)
