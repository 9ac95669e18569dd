from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.application.queries.check_readiness import CheckReadinessQuery
from app.interfaces.api.errors import RETRY_AFTER_SECONDS, error_response
from app.interfaces.api.schemas.errors import error_responses
from app.interfaces.api.schemas.health import HealthResponse, ReadinessResponse
from app.interfaces.dependencies.container import QueryBusDep
from app.interfaces.pipeline.flows import PublicContext

router = APIRouter(tags=["health"])


@router.get("/health", operation_id="get_health")
@router.head("/health", include_in_schema=False)  # some load balancers probe with HEAD
async def health(request: Request, ctx: PublicContext) -> HealthResponse:
    """Liveness: the process is up. Never touches the database."""
    return HealthResponse(service=request.app.title, version=request.app.version)


@router.get(
    "/health/ready",
    operation_id="get_readiness",
    response_model=ReadinessResponse,
    responses=error_responses(503),
)
@router.head("/health/ready", response_model=ReadinessResponse, include_in_schema=False)
async def ready(ctx: PublicContext, queries: QueryBusDep) -> ReadinessResponse | JSONResponse:
    """Readiness: the database answers, is migrated as far as this release needs, takes writes.

    Otherwise 503, with each check's outcome in `details.checks`.
    """
    result = await queries.dispatch(CheckReadinessQuery())
    checks = result.checks.model_dump()
    if result.ready:
        return ReadinessResponse.model_validate({"status": "ready", "checks": checks})
    return error_response(
        503,
        "SERVICE_UNAVAILABLE",
        "Service not ready",
        {"checks": checks, "retry_after_seconds": RETRY_AFTER_SECONDS},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
