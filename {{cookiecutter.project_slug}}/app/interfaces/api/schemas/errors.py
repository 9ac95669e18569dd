from collections.abc import Mapping
from typing import Any

from pydantic import Field

from app.interfaces.api.schemas.error_codes import ErrorCode
from app.interfaces.api.schemas.headers import RETRY_AFTER, WWW_AUTHENTICATE
from app.interfaces.api.schemas.response_model import ResponseModel


def envelope(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The error body every response uses; `ErrorEnvelope` documents the same shape."""
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


class ErrorBody(ResponseModel):
    code: ErrorCode
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(ResponseModel):
    """The shape of every error response."""

    error: ErrorBody


_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing, invalid or expired credentials",
    403: "Not allowed for this caller",
    404: "Not found",
    409: "Conflicts with existing state",
    413: "Request body too large",
    415: "Request body is not JSON",
    422: "Input failed validation",
    429: "Too many requests",
    503: "A dependency is unavailable",
}
# Headers an error response of that status always carries.
_HEADERS = {
    401: {"WWW-Authenticate": WWW_AUTHENTICATE},
    429: {"Retry-After": RETRY_AFTER},
    503: {"Retry-After": RETRY_AFTER},
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting errors in the envelope schema.

    Every operation also documents 500 and X-Request-ID (app/interfaces/api/openapi.py).
    """
    return {
        status: {
            "model": ErrorEnvelope,
            "description": _DESCRIPTIONS[status],
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in statuses
    }
