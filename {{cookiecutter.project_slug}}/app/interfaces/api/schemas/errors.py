from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel


def envelope(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The error body every response uses; `ErrorEnvelope` documents the same shape."""
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorEnvelope(BaseModel):
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


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting errors in the envelope schema."""
    return {
        status: {"model": ErrorEnvelope, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }
