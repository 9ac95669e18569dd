from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.application.queries.check_readiness import CheckReadinessQuery
from app.interfaces.api.errors import RETRY_AFTER_SECONDS, error_response
from app.interfaces.api.plain_route import PlainRoute
from app.interfaces.api.schemas.errors import error_responses
from app.interfaces.api.schemas.health import HealthResponse, ReadinessResponse
from app.interfaces.pipeline.flows import PublicContext

router = APIRouter(tags=["health"])


async def health(request: Request) -> Response:
    """Liveness: the process is up. Never touches the database.

    No flow: none of its stages applies to a bodiless, anonymous probe.
    """
    body = HealthResponse(service=request.app.title, version=request.app.version)
    return Response(body.model_dump_json(), media_type="application/json")


router.add_api_route(
    "/health",
    health,
    methods=["GET"],
    response_model=HealthResponse,
    operation_id="get_health",
    route_class_override=PlainRoute,
)
# Some load balancers probe with HEAD.
router.add_api_route(
    "/health", health, methods=["HEAD"], include_in_schema=False, route_class_override=PlainRoute
)


@router.get(
    "/health/ready",
    operation_id="get_readiness",
    response_model=ReadinessResponse,
    responses=error_responses(503),
)
@router.head("/health/ready", response_model=ReadinessResponse, include_in_schema=False)
async def ready(ctx: PublicContext) -> ReadinessResponse | JSONResponse:
    """Readiness: the database answers, is migrated as far as this release needs and takes
    writes; otherwise 503, with each outcome in `details.checks` and `details.dependencies`.

    A shared dependency that fails (Redis, the read replica) makes it "degraded", still
    200: every instance shares it, and the requests that do not need it still work.
    """
    result = await ctx.queries.dispatch(CheckReadinessQuery())
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
