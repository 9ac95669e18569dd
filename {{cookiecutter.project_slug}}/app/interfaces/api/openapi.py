"""The published OpenAPI document: what the routes declare, plus what every response shares.

Routes document their own statuses, bodies and links. Two facts belong to the middleware
around all of them, so they are added here, once, to every operation: any request can
end in a 500, and every response carries X-Request-ID.
"""

from typing import Any

from fastapi import FastAPI
from fastapi_request_pipeline import enrich_openapi

from app.interfaces.api.schemas.headers import REQUEST_ID

INTERNAL_ERROR = {
    "description": "An unexpected failure; the log has the details under the request id",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
}


def document_api(app: FastAPI) -> None:
    """Serve a document with each flow's security and the middleware's shared responses."""
    enrich_openapi(app)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_shared_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_shared_responses(document: dict[str, Any]) -> dict[str, Any]:
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            responses.setdefault("500", dict(INTERNAL_ERROR))
            for status, response in responses.items():
                # Copied: routes may share one headers dict (a module constant).
                headers = dict(response.get("headers", {}))
                headers["X-Request-ID"] = REQUEST_ID
                responses[status] = {**response, "headers": headers}
    return document
