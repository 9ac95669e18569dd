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


class ReadinessDependenciesResponse(ResponseModel):
    """Each other dependency's outcome, checked whatever the database's; "not_configured"
    for an optional one that is not set. A 503 carries it in `details.dependencies`;
    a "failed" one alone makes the status "degraded", not 503."""
{%- if cookiecutter.db_driver == "postgresql" %}

    # DATABASE_READ_URL: the replica that queries read from.
    read_replica: Literal["ok", "failed", "not_configured"]
{%- endif %}
{%- if cookiecutter.use_redis == "true" %}

    # REDIS_URL: the counters every process shares (rate limits, login throttle).
    redis: Literal["ok", "failed", "not_configured"]
{%- endif %}


class ReadinessResponse(ResponseModel):
    # "degraded": a dependency in `dependencies` failed; the requests that need it get 503.
    status: Literal["ready", "degraded"]
    checks: ReadinessChecksResponse
    dependencies: ReadinessDependenciesResponse
