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
    """Readiness: the database answers, is migrated as far as this release needs and takes
    writes; otherwise 503, with each outcome in `details.checks` and `details.dependencies`.

    A shared dependency that fails (Redis, the read replica) makes it "degraded", still
    200: every instance shares it, and the requests that do not need it still work.
    """
    result = await queries.dispatch(CheckReadinessQuery())
    outcomes = {"checks": result.checks.model_dump(), "dependencies": result.dependencies}
    if result.ready:
        status = "degraded" if result.degraded else "ready"
        return ReadinessResponse.model_validate({"status": status, **outcomes})
    return error_response(
        503,
        "SERVICE_UNAVAILABLE",
        "Service not ready",
        {**outcomes, "retry_after_seconds": RETRY_AFTER_SECONDS},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
