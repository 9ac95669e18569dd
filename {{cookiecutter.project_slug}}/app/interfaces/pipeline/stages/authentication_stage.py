from typing import Any

from fastapi_request_pipeline import ComponentCategory, FlowComponent, RequestContext

from app.application.ports.security_log import SecurityEvent
from app.domain.errors import AuthenticationError
from app.interfaces.api.schemas.headers import BEARER_CHALLENGE, REFUSED_BEARER_CHALLENGE
from app.interfaces.dependencies.container import get_container
from app.interfaces.pipeline.abort import StageAbort

SCHEME = "Bearer"


class AuthenticationStage(FlowComponent):  # type: ignore[misc]
    """Verifies the bearer access token and puts the Principal on ctx.user.

    The caller's id goes on the request's state at once, so that the access log line
    names them whatever refuses the request next (a rate limit, an authorisation).
    """

    category = ComponentCategory.AUTHENTICATION

    async def resolve(self, ctx: RequestContext) -> None:
        scheme, _, token = ctx.request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != SCHEME.lower() or not token.strip():
            # RFC 6750: no error code in the challenge when no credentials were sent.
            raise _unauthorized("Missing bearer token", "MISSING_TOKEN", challenge=BEARER_CHALLENGE)
        container = get_container(ctx.request)
        try:
            principal = container.tokens.authenticate(token.strip())
        except AuthenticationError as error:
            container.security_log.record(SecurityEvent.ACCESS_TOKEN_REFUSED, code=error.code)
            raise _unauthorized(
                error.message, error.code, challenge=REFUSED_BEARER_CHALLENGE
            ) from None
        ctx.user = principal
        ctx.request.state.user_id = str(principal.user_id)

    def openapi_spec(self) -> dict[str, Any]:
        return {
            "security_schemes": {
                SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "security": [{SCHEME: []}],
        }


def _unauthorized(message: str, code: str, *, challenge: str) -> StageAbort:
    return StageAbort(message, code=code, status_code=401, headers={"WWW-Authenticate": challenge})
