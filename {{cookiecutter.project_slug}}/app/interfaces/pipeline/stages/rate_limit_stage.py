from fastapi_request_pipeline import ComponentCategory, FlowComponent, RequestContext

from app.application.dto.principal import Principal
from app.application.ports.security_log import SecurityEvent
from app.interfaces.client_address import client_bucket
from app.interfaces.dependencies.container import get_container
from app.interfaces.pipeline.abort import StageAbort
from app.interfaces.pipeline.stages.rate_limit_scope import RateLimitScope

WINDOW_SECONDS = 60
# The action each scope limits, named as the security log names the command it guards.
ACTIONS = {
    RateLimitScope.LOGIN: "login_user",
    RateLimitScope.REGISTER: "register_user",
    RateLimitScope.PASSWORD_CHANGE: "change_password",
    RateLimitScope.LOGOUT: "logout_user",
}


class RateLimitStage(FlowComponent):  # type: ignore[misc]
    """Caps one kind of expensive request per caller per minute (see Settings).

    The caller is the authenticated user when there is one, else the client
    address's bucket: the IPv4 address, or the IPv6 /64 (app/interfaces/client_address.py).
    Behind a proxy that address is the client's only if uvicorn trusts the proxy
    (--forwarded-allow-ips); otherwise every client shares the proxy's bucket.
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
            if container.rejections is not None:
                container.rejections.rejected(self._scope)
            user = ctx.user if isinstance(ctx.user, Principal) else None
            container.security_log.record(
                SecurityEvent.RATE_LIMITED,
                user_id=None if user is None else user.user_id,
                action=ACTIONS[self._scope],
                code="RATE_LIMITED",
                limit="rate_limit",
            )
            raise StageAbort(
                "Too many requests; try again later",
                code="RATE_LIMITED",
                status_code=429,
                headers={"Retry-After": str(max(int(ttl), 1))},
            )


def _caller(ctx: RequestContext) -> str:
    if isinstance(ctx.user, Principal):
        return f"user:{ctx.user.user_id}"
    return f"ip:{client_bucket(ctx.request)}"
