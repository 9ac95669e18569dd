import json
from typing import Any

from fastapi_request_pipeline import ComponentCategory, FlowComponent, RequestContext

from app.interfaces.pipeline.abort import StageAbort

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _RepeatedKeyError(ValueError):
    pass


class ValidationStage(FlowComponent):  # type: ignore[misc]
    """Rejects request bodies that are not JSON, or whose objects repeat a key.

    A repeated key is ambiguous: this service would read the last value, a proxy or
    firewall in front of it may check the first, so each could see a different request.
    """

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
        # FastAPI has read (and parsed) the body already; the bytes are kept on the request.
        try:
            json.loads(await request.body(), object_pairs_hook=_refuse_repeated_keys)
        except _RepeatedKeyError:
            raise StageAbort(
                "Request body repeats a key in one JSON object",
                code="DUPLICATE_JSON_KEY",
                status_code=400,
            ) from None
        except ValueError:
            return  # not JSON: FastAPI answers that with MALFORMED_JSON


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    parsed = dict(pairs)
    if len(parsed) != len(pairs):
        raise _RepeatedKeyError
    return parsed
