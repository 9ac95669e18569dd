"""The published OpenAPI document: who needs a token, what errors look like, and that it
says what the server does (tests/contract/test_fuzzing.py checks the same by fuzzing)."""

import ast
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.infrastructure.config import Settings
from app.interfaces.api.schemas.error_codes import ErrorCode

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    LOGOUT,
    PASSWORD,
    REFRESH,
    REGISTER,
    USERS,
    assert_envelope,
    running_client,
)

ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
USER_BY_ID = USERS + "/{user_id}"

APP_DIR = Path(__file__).resolve().parents[2] / "app"
# Every route can end in a 500 (the middleware's last resort); a body can be too large,
# not JSON or malformed; an authenticated route reads the caller's account (401, 403,
# and 503 when the database is down).
ANY = {500}
BODY = {400, 413, 415, 422}
AUTHENTICATED = {401, 403, 503}

# (method, path, operation id, bearer required, error statuses it must document)
ROUTES = [
    pytest.param("get", "/health", "get_health", False, ANY, id="health"),
    pytest.param("get", "/health/ready", "get_readiness", False, ANY | {503}, id="ready"),
    pytest.param(
        "post", REGISTER, "register_user", False, ANY | BODY | {409, 429, 503}, id="register"
    ),
    pytest.param("post", LOGIN, "login", False, ANY | BODY | {401, 429, 503}, id="login"),
    pytest.param("post", REFRESH, "refresh_tokens", False, ANY | BODY | {401, 503}, id="refresh"),
    pytest.param("post", LOGOUT, "logout", True, ANY | BODY | AUTHENTICATED, id="logout"),
    pytest.param(
        "post",
        CHANGE_PASSWORD,
        "change_password",
        True,
        ANY | BODY | AUTHENTICATED | {404, 409, 429},
        id="change-password",
    ),
    pytest.param(
        "get", USER_BY_ID, "get_user", True, ANY | AUTHENTICATED | {404, 422}, id="get-user"
    ),
    pytest.param(
        "post", USERS, "create_user", True, ANY | BODY | AUTHENTICATED | {409}, id="create-user"
    ),
]
ROUTE_ARGS = ("method", "path", "operation_id", "protected", "errors")


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


@pytest.mark.parametrize(ROUTE_ARGS, ROUTES)
def test_operation_ids_are_short_and_stable(
    openapi: dict[str, Any],
    method: str,
    path: str,
    operation_id: str,
    protected: bool,
    errors: set[int],
) -> None:
    """Set on each route: renaming a handler or moving a path does not rename the operation."""
    assert openapi["paths"][path][method]["operationId"] == operation_id


def test_no_operation_id_is_derived_from_its_path(openapi: dict[str, Any]) -> None:
    ids = [op["operationId"] for ops in openapi["paths"].values() for op in ops.values()]

    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", id_) for id_ in ids), ids
    assert not [id_ for id_ in ids if "api_v1" in id_ or id_.endswith(("_get", "_post"))]


def test_no_head_operation_is_documented(openapi: dict[str, Any]) -> None:
    """HEAD /health exists for load balancers; it is not part of the documented API."""
    head_operations = [
        path for path, operations in openapi["paths"].items() if "head" in operations
    ]

    assert head_operations == []
    assert set(openapi["paths"]["/health"]) == {"get"}


@pytest.mark.parametrize(ROUTE_ARGS, ROUTES)
def test_bearer_security_only_on_protected_routes(
    openapi: dict[str, Any],
    method: str,
    path: str,
    operation_id: str,
    protected: bool,
    errors: set[int],
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


@pytest.mark.parametrize(ROUTE_ARGS, ROUTES)
def test_error_responses_use_the_envelope(
    openapi: dict[str, Any],
    method: str,
    path: str,
    operation_id: str,
    protected: bool,
    errors: set[int],
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


def _responses(openapi: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (method, path, status, response)
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
    ]


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def test_every_operation_documents_500_and_every_response_its_request_id(
    openapi: dict[str, Any],
) -> None:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            assert "500" in operation["responses"], (method, path)
    for method, path, status, response in _responses(openapi):
        header = response.get("headers", {}).get("X-Request-ID", {})
        assert header.get("required"), (method, path, status)


def test_challenge_and_retry_headers_are_documented(openapi: dict[str, Any]) -> None:
    expected = {"401": "WWW-Authenticate", "429": "Retry-After", "503": "Retry-After"}
    for method, path, status, response in _responses(openapi):
        if status in expected:
            header = response.get("headers", {}).get(expected[status], {})
            assert header.get("required"), (method, path, status)


@pytest.mark.parametrize("path", [LOGIN, REFRESH])
def test_token_responses_document_no_store(openapi: dict[str, Any], path: str) -> None:
    headers = openapi["paths"][path]["post"]["responses"]["200"]["headers"]

    assert headers["Cache-Control"]["schema"]["enum"] == ["no-store"]
    assert headers["Pragma"]["schema"]["enum"] == ["no-cache"]


def test_fields_always_sent_are_required(openapi: dict[str, Any]) -> None:
    """In every schema a response uses, nested ones included: defaults are sent too."""
    schemas = openapi["components"]["schemas"]
    pending = [
        name
        for *_, response in _responses(openapi)
        for media in response.get("content", {}).values()
        if (name := _ref_name(media["schema"]))
    ]
    checked: set[str] = set()
    while pending:
        name = pending.pop()
        if name in checked or "properties" not in schemas[name]:
            continue
        checked.add(name)
        properties = schemas[name]["properties"]
        assert set(schemas[name].get("required", [])) == set(properties), name
        pending += [nested for prop in properties.values() if (nested := _ref_name(prop))]
    assert {"TokenResponse", "HealthResponse", "ErrorBody"} <= checked


def _email_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    email: dict[str, Any] = openapi["components"]["schemas"]["RegisterRequest"]["properties"][
        "email"
    ]
    return email


@pytest.mark.parametrize(
    "address",
    ["\u3000ada@example.com", "ada@example", "ada@@example.com", "ad a@x.org", "ada@x.org\x00"],
    ids=["ideographic-space", "no-dot-in-domain", "two-ats", "inner-space", "nul"],
)
async def test_an_address_off_the_email_pattern_is_refused(
    openapi: dict[str, Any], client: httpx.AsyncClient, address: str
) -> None:
    """What the schema refuses the server refuses: the fuzzer's negative data relies on it."""
    assert not re.search(_email_schema(openapi)["pattern"], address)

    response = await client.post(REGISTER, json={"email": address, "password": PASSWORD})

    assert_envelope(response, 422)


async def test_every_documented_example_address_matches_and_registers(
    openapi: dict[str, Any], client: httpx.AsyncClient
) -> None:
    email = _email_schema(openapi)
    assert email["examples"]
    for address in email["examples"]:
        assert re.search(email["pattern"], address), address

        response = await client.post(REGISTER, json={"email": address, "password": PASSWORD})

        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ("RegisterRequest", "password"),
        ("LoginRequest", "password"),
        ("ChangePasswordRequest", "current_password"),
        ("ChangePasswordRequest", "new_password"),
        ("CreateUserRequest", "password"),
    ],
)
def test_password_fields_state_the_limit_in_characters_and_the_normalisation(
    openapi: dict[str, Any], schema: str, field: str
) -> None:
    """maxLength counts characters, as the server does: the schema states the whole rule."""
    password = openapi["components"]["schemas"][schema]["properties"][field]

    assert password["maxLength"] == 256
    assert "NFKC" in password["description"]
    assert "x-max-utf8-bytes" not in password


def test_links_lead_to_documented_operations_and_existing_fields(
    openapi: dict[str, Any],
) -> None:
    operations = {
        operation["operationId"]: operation
        for ops in openapi["paths"].values()
        for operation in ops.values()
    }
    schemas = openapi["components"]["schemas"]

    def body_fields(content: dict[str, Any]) -> set[str]:
        name = _ref_name(content["application/json"]["schema"])
        assert name is not None
        return set(schemas[name]["properties"])

    links = 0
    for method, path, _status, response in _responses(openapi):
        for name, link in response.get("links", {}).items():
            links += 1
            target = operations[link["operationId"]]
            source = openapi["paths"][path][method]
            expressions = {**link.get("parameters", {}), **link.get("requestBody", {})}
            for expression in expressions.values():
                place, _, field = expression.partition("#/")
                if place == "$response.body":
                    assert field in body_fields(response["content"]), (name, expression)
                else:
                    assert place == "$request.body", (name, expression)
                    assert field in body_fields(source["requestBody"]["content"]), name
            for parameter in link.get("parameters", {}):
                assert parameter in {p["name"] for p in target.get("parameters", [])}, name
            if "requestBody" in link:
                assert set(link["requestBody"]) <= body_fields(target["requestBody"]["content"])
    assert links >= 5


def test_the_envelope_lists_every_error_code(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]

    assert _ref_name(schemas["ErrorBody"]["properties"]["code"]) == "ErrorCode"
    assert set(schemas["ErrorCode"]["enum"]) == {code.value for code in ErrorCode}


_CODE = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*")
# Variables that hold a code: `code`, a class's `default_code`, the status table.
_CODE_NAMES = {"code", "default_code", "CODE_BY_STATUS"}


def _literal_codes(node: ast.AST) -> set[str]:
    return {
        child.value
        for child in ast.walk(node)
        if isinstance(child, ast.Constant)
        and isinstance(child.value, str)
        and _CODE.fullmatch(child.value)
    }


def _code_positions(trees: list[ast.Module]) -> dict[str, int]:
    """Functions with a positional parameter named `code`, and its index in a call."""
    positions = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [arg.arg for arg in [*node.args.posonlyargs, *node.args.args]]
                if "code" in names:
                    bound = 1 if names[0] in {"self", "cls"} else 0
                    positions[node.name] = names.index("code") - bound
    return positions


def codes_in_source(root: Path) -> set[str]:
    """Every literal code app/ passes as a `code` argument or assigns to a code variable."""
    trees = [ast.parse(file.read_text(encoding="utf-8")) for file in root.rglob("*.py")]
    positions = _code_positions(trees)
    codes: set[str] = set()
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.keyword) and node.arg == "code":
            codes |= _literal_codes(node.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in _CODE_NAMES for t in targets):
                codes |= _literal_codes(node.value)
        elif isinstance(node, ast.Call):
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            index = positions.get(name)
            if index is not None and index < len(node.args):
                codes |= _literal_codes(node.args[index])
    return codes


def test_the_error_code_enum_is_exactly_the_codes_the_code_base_sends() -> None:
    """A code raised anywhere in app/ and missing from ErrorCode would break the published
    schema at runtime; one listed but no longer raised would document a code never sent."""
    listed = {code.value for code in ErrorCode}
    found = codes_in_source(APP_DIR)

    assert found - listed == set(), "raised but not in ErrorCode"
    assert listed - found == set(), "in ErrorCode but never raised"


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_api_docs_can_be_switched_off(settings: Settings, path: str) -> None:
    quiet = settings.model_copy(update={"api_docs_enabled": False})
    async with running_client(quiet) as client:
        response = await client.get(path)

    assert_envelope(response, 404, "NOT_FOUND")
