from fastapi_request_pipeline import ComponentCategory, FlowComponent, RequestContext

from app.application.dto.principal import Principal
from app.interfaces.dependencies.container import RateLimitScope, get_container
from app.interfaces.pipeline.abort import StageAbort

WINDOW_SECONDS = 60


class RateLimitStage(FlowComponent):  # type: ignore[misc]
    """Caps one kind of expensive request per caller per minute (see Settings).

    The caller is the authenticated user when there is one, else the client
    address; behind a proxy, run uvicorn with --proxy-headers and a correct
    --forwarded-allow-ips so that the address is the client's, not the proxy's.
    """

    category = ComponentCategory.THROTTLING

    def __init__(self, scope: RateLimitScope) -> None:
        self._scope = scope

    async def resolve(self, ctx: RequestContext) -> None:
        container = get_container(ctx.request)
        limit = container.rate_limits[self._scope]
        if limit == 0:
            return
        count, ttl = await container.rate_limiter.increment(
            f"{self._scope}:{_caller(ctx)}", WINDOW_SECONDS
        )
        if count > limit:
            raise StageAbort(
                "Too many requests; try again later",
                code="RATE_LIMITED",
                status_code=429,
                headers={"Retry-After": str(max(int(ttl), 1))},
            )


def _caller(ctx: RequestContext) -> str:
    if isinstance(ctx.user, Principal):
        return f"user:{ctx.user.user_id}"
    return f"ip:{ctx.request.client.host if ctx.request.client else 'unknown'}"
