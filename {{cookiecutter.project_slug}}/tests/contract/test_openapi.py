"""The published OpenAPI document: who needs a token, and what errors look like."""

from typing import Any

import httpx
import pytest

from app.infrastructure.config import Settings

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    LOGOUT,
    REFRESH,
    REGISTER,
    USERS,
    assert_envelope,
    running_client,
)

ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
USER_BY_ID = USERS + "/{user_id}"

# (method, path, bearer required, error statuses it must document)
ROUTES = [
    pytest.param("get", "/health", False, set(), id="health"),
    pytest.param("get", "/health/ready", False, {503}, id="ready"),
    pytest.param("post", REGISTER, False, {400, 409, 413, 415, 422, 429, 503}, id="register"),
    pytest.param("post", LOGIN, False, {400, 401, 413, 415, 422, 429, 503}, id="login"),
    pytest.param("post", REFRESH, False, {400, 401, 413, 415, 422}, id="refresh"),
    pytest.param("post", LOGOUT, True, {401, 413, 415, 422}, id="logout"),
    pytest.param(
        "post",
        CHANGE_PASSWORD,
        True,
        {401, 403, 409, 413, 415, 422, 429, 503},
        id="change-password",
    ),
    pytest.param("get", USER_BY_ID, True, {401, 403, 404, 422}, id="get-user"),
    pytest.param("post", USERS, True, {401, 403, 409, 413, 415, 422, 503}, id="create-user"),
]


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_documents_every_built_in_route(openapi: dict[str, Any]) -> None:
    documented = {
        (method, path) for path, operations in openapi["paths"].items() for method in operations
    }

    assert documented >= {(param.values[0], param.values[1]) for param in ROUTES}


def test_no_head_operation_is_documented(openapi: dict[str, Any]) -> None:
    """HEAD /health exists for load balancers; it is not part of the documented API."""
    head_operations = [
        path for path, operations in openapi["paths"].items() if "head" in operations
    ]

    assert head_operations == []
    assert set(openapi["paths"]["/health"]) == {"get"}


@pytest.mark.parametrize(("method", "path", "protected", "errors"), ROUTES)
def test_bearer_security_only_on_protected_routes(
    openapi: dict[str, Any], method: str, path: str, protected: bool, errors: set[int]
) -> None:
    operation = openapi["paths"][path][method]
    schemes = {name for requirement in operation.get("security", []) for name in requirement}

    if protected:
        assert schemes == {"Bearer"}
        assert "401" in operation["responses"]
    else:
        assert schemes == set()


def test_bearer_scheme_is_http_bearer(openapi: dict[str, Any]) -> None:
    scheme = openapi["components"]["securitySchemes"]["Bearer"]

    assert scheme["type"] == "http"
    assert scheme["scheme"].lower() == "bearer"


@pytest.mark.parametrize(("method", "path", "protected", "errors"), ROUTES)
def test_error_responses_use_the_envelope(
    openapi: dict[str, Any], method: str, path: str, protected: bool, errors: set[int]
) -> None:
    responses = openapi["paths"][path][method]["responses"]
    documented_errors = {int(status) for status in responses if int(status) >= 400}

    assert errors <= documented_errors
    for status in documented_errors:
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        assert schema == {"$ref": ENVELOPE_REF}, (status, schema)


def test_envelope_schema_and_no_default_validation_schema(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]

    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert set(schemas["ErrorEnvelope"]["properties"]) == {"error"}
    assert set(schemas["ErrorBody"]["properties"]) == {"code", "message", "details"}


def test_no_password_field_in_any_response_schema(openapi: dict[str, Any]) -> None:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                ref = (
                    response.get("content", {})
                    .get("application/json", {})
                    .get("schema", {})
                    .get("$ref", "")
                )
                if ref:
                    name = ref.rsplit("/", 1)[-1]
                    properties = openapi["components"]["schemas"][name].get("properties", {})
                    assert not any("password" in key for key in properties), (method, path, status)


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_api_docs_can_be_switched_off(settings: Settings, path: str) -> None:
    quiet = settings.model_copy(update={"api_docs_enabled": False})
    async with running_client(quiet) as client:
        response = await client.get(path)

    assert_envelope(response, 404, "NOT_FOUND")
