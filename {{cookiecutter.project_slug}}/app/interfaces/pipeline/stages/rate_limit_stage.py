from fastapi_request_pipeline import ComponentCategory, FlowComponent, RequestContext

from app.interfaces.dependencies.container import get_container
from app.interfaces.pipeline.abort import StageAbort

WINDOW_SECONDS = 60


class LoginRateLimitStage(FlowComponent):  # type: ignore[misc]
    """Caps login attempts per client address (LOGIN_RATE_LIMIT_PER_MINUTE, 0 = off).

    Behind a proxy, run uvicorn with --proxy-headers so the address is the client's.
    """

    category = ComponentCategory.THROTTLING

    async def resolve(self, ctx: RequestContext) -> None:
        container = get_container(ctx.request)
        limit = container.login_limit_per_minute
        if limit == 0:
            return
        client = ctx.request.client.host if ctx.request.client else "unknown"
        count, ttl = await container.login_throttle.increment(f"login:{client}", WINDOW_SECONDS)
        if count > limit:
            raise StageAbort(
                "Too many login attempts; try again later",
                code="RATE_LIMITED",
                status_code=429,
                headers={"Retry-After": str(max(int(ttl), 1))},
            )
