from typing import Literal

from app.interfaces.api.schemas.response_model import ResponseModel


class HealthResponse(ResponseModel):
    status: Literal["healthy"] = "healthy"
    service: str
    version: str


class ReadinessChecksResponse(ResponseModel):
    """Each check's outcome; a 503 carries the same object in the envelope's `details.checks`."""

    database_reachable: Literal["ok", "failed", "not_checked"]
    schema_migrated: Literal["ok", "failed", "not_checked"]
    database_writable: Literal["ok", "failed", "not_checked"]


class ReadinessResponse(ResponseModel):
    status: Literal["ready"]
    checks: ReadinessChecksResponse
