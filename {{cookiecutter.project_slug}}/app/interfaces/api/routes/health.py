from fastapi import APIRouter, Request

from app.application.queries.check_readiness import CheckReadinessQuery
from app.interfaces.api.schemas.errors import error_responses
from app.interfaces.api.schemas.health import HealthResponse, ReadinessResponse
from app.interfaces.dependencies.container import QueryBusDep
from app.interfaces.pipeline.flows import PublicContext

router = APIRouter(tags=["health"])


@router.get("/health")
@router.head("/health", include_in_schema=False)  # some load balancers probe with HEAD
async def health(request: Request, ctx: PublicContext) -> HealthResponse:
    """Liveness: the process is up. Never touches the database."""
    return HealthResponse(service=request.app.title, version=request.app.version)


@router.get("/health/ready", responses=error_responses(503))
async def ready(ctx: PublicContext, queries: QueryBusDep) -> ReadinessResponse:
    """Readiness: the database answers a trivial query."""
    result = await queries.dispatch(CheckReadinessQuery())
    return ReadinessResponse.model_validate(result.model_dump())
