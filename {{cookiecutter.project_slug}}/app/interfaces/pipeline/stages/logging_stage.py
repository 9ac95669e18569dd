from fastapi_request_pipeline import ComponentCategory, FlowComponent, RequestContext

from app.application.dto.principal import Principal


class LoggingStage(FlowComponent):  # type: ignore[misc]
    """Tags the request with the caller, so the access log line names the user."""

    category = ComponentCategory.CUSTOM

    async def resolve(self, ctx: RequestContext) -> None:
        if isinstance(ctx.user, Principal):
            ctx.request.state.user_id = str(ctx.user.user_id)
