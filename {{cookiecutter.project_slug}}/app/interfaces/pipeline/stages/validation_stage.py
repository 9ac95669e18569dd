from fastapi_request_pipeline import ComponentCategory, FlowComponent, RequestContext

from app.interfaces.pipeline.abort import StageAbort

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ValidationStage(FlowComponent):  # type: ignore[misc]
    """Rejects request bodies that are not JSON before any work is done."""

    category = ComponentCategory.PRE_AUTH

    async def resolve(self, ctx: RequestContext) -> None:
        request = ctx.request
        if request.method not in BODY_METHODS:
            return
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            raise StageAbort(
                "Request body must be JSON (Content-Type: application/json)",
                code="UNSUPPORTED_MEDIA_TYPE",
                status_code=415,
            )
