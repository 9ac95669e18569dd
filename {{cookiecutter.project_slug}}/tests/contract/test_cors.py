"""CORS: answered for CORS_ALLOW_ORIGINS only, and not at all when it is empty."""

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError

from app.infrastructure.config import Settings

from .helpers import USERS, assert_envelope, login, register, running_client

FRONT_END = "https://app.example.com"
ADMIN_CONSOLE = "http://localhost:5173"
STRANGER = "https://evil.example.net"


def preflight(origin: str, method: str = "GET", headers: str = "authorization") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    allowed = settings.model_copy(update={"cors_allow_origins": f"{FRONT_END}, {ADMIN_CONSOLE}"})
    async with running_client(allowed) as client:
        yield client


def _cors_headers(response: httpx.Response) -> set[str]:
    return {name for name in response.headers if name.startswith("access-control-")}


async def test_by_default_a_preflight_is_a_405_without_cors_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options(USERS, headers=preflight(FRONT_END))

    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert _cors_headers(response) == set()


@pytest.mark.parametrize("origin", [FRONT_END, ADMIN_CONSOLE])
@pytest.mark.parametrize("method", ["GET", "POST", "PATCH"])
async def test_an_allowed_origin_s_preflight_is_answered(
    cors_client: httpx.AsyncClient, origin: str, method: str
) -> None:
    response = await cors_client.options(
        f"{USERS}/me", headers=preflight(origin, method, "authorization, content-type")
    )

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert method in response.headers["Access-Control-Allow-Methods"]
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "x-request-id"} <= set(allowed_headers.split(", "))
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "asked",
    [
        pytest.param(preflight(STRANGER), id="other-origin"),
        pytest.param(preflight(FRONT_END + ".evil.net"), id="origin-as-prefix"),
        pytest.param(preflight(FRONT_END, method="DELETE"), id="method"),
        pytest.param(preflight(FRONT_END, headers="x-admin-override"), id="header"),
    ],
)
async def test_a_preflight_beyond_the_policy_is_refused_in_the_envelope(
    cors_client: httpx.AsyncClient, asked: dict[str, str]
) -> None:
    response = await cors_client.options(USERS, headers=asked)

    assert_envelope(response, 403, "CORS_PREFLIGHT_REFUSED")
    assert _cors_headers(response) == set()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_allowed_origin_reads_the_answer_and_its_exposed_headers(
    cors_client: httpx.AsyncClient,
) -> None:
    response = await cors_client.get("/health", headers={"Origin": FRONT_END})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END
    exposed = set(response.headers["Access-Control-Expose-Headers"].lower().split(", "))
    assert exposed == {"x-request-id", "retry-after"}
    assert "origin" in response.headers["Vary"].lower()
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_another_origin_gets_the_answer_without_cors_headers(
    cors_client: httpx.AsyncClient,
) -> None:
    response = await cors_client.get("/health", headers={"Origin": STRANGER})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_a_refused_request_still_carries_cors_headers_for_its_origin(
    cors_client: httpx.AsyncClient,
) -> None:
    """A front end must be able to read a 401 to know it should sign in again."""
    response = await cors_client.get(f"{USERS}/me", headers={"Origin": FRONT_END})

    assert_envelope(response, 401, "MISSING_TOKEN")
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END


async def test_the_middleware_s_own_answers_carry_cors_headers_too(
    cors_client: httpx.AsyncClient,
) -> None:
    """A 413 is answered before any route, by RequestMiddleware: CORS wraps it."""
    response = await cors_client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"Origin": FRONT_END, "Content-Type": "application/json"},
    )

    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END


async def test_an_authenticated_call_from_the_front_end(
    cors_client: httpx.AsyncClient,
) -> None:
    user = await register(cors_client)
    pair = await login(cors_client, user["email"])

    response = await cors_client.get(
        f"{USERS}/me",
        headers={"Origin": FRONT_END, "Authorization": f"Bearer {pair['access_token']}"},
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END


@pytest.mark.parametrize(
    "origins",
    [
        "*",
        "https://*.example.com",
        "https://app.example.com/",
        "https://app.example.com/path",
        "HTTPS://APP.EXAMPLE.COM",
        "app.example.com",
        "ftp://app.example.com",
        "https://app.example.com:99999",
        f"{FRONT_END},null",
    ],
)
def test_cors_allow_origins_takes_exact_origins_only(settings: Settings, origins: str) -> None:
    with pytest.raises(ValidationError, match="CORS_ALLOW_ORIGINS"):
        Settings.model_validate({**settings.model_dump(), "cors_allow_origins": origins})
