"""Headers every client and cache may rely on: nosniff, no-store on tokens, Allow on 405."""

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.infrastructure.config import Settings

from .helpers import (
    LOGIN,
    PASSWORD,
    REFRESH,
    REGISTER,
    USERS,
    Account,
    assert_envelope,
    new_email,
    running_client,
)

# Paths with a HEAD route next to GET, for load balancers; HEAD is not documented.
HEAD_PATHS = {"/health", "/health/ready"}


def _assert_nosniff(response: httpx.Response) -> None:
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.headers


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/health", None, 200),
        ("GET", "/nope", None, 404),
        ("POST", "/health", None, 405),
        ("POST", REGISTER, {"email": "not-an-email", "password": "x"}, 422),
        ("GET", f"{USERS}/00000000-0000-0000-0000-000000000000", None, 401),
        ("POST", LOGIN, "not json", 415),
    ],
    ids=["200", "404", "405", "422", "401", "415"],
)
async def test_every_response_says_nosniff(
    client: httpx.AsyncClient, method: str, path: str, body: Any, status: int
) -> None:
    if isinstance(body, str):
        response = await client.request(method, path, content=body)
    else:
        response = await client.request(method, path, json=body)

    assert response.status_code == status, response.text
    _assert_nosniff(response)


async def test_a_413_from_the_middleware_says_nosniff(settings: Settings) -> None:
    small = settings.model_copy(update={"max_request_body_bytes": 64})
    async with running_client(small) as client:
        response = await client.post(REGISTER, json={"padding": "x" * 200})

    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
    _assert_nosniff(response)


async def test_a_500_says_nosniff(app: FastAPI, client: httpx.AsyncClient) -> None:
    async def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/test-only/explode", explode, methods=["GET"])

    response = await client.get("/test-only/explode")

    assert_envelope(response, 500, "INTERNAL_ERROR")
    _assert_nosniff(response)


async def test_token_responses_must_not_be_cached(
    client: httpx.AsyncClient, alice: Account
) -> None:
    logged_in = await client.post(LOGIN, json={"email": alice.email, "password": alice.password})
    refreshed = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})

    for response in (logged_in, refreshed):
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"


async def test_a_response_without_tokens_is_left_to_caches(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json={"email": new_email(), "password": PASSWORD})

    assert response.status_code == 201, response.text
    assert "Cache-Control" not in response.headers


@pytest.mark.parametrize("method", ["OPTIONS", "POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", sorted(HEAD_PATHS))
async def test_unsupported_methods_on_health_list_get_and_head(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)

    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET, HEAD"
    _assert_nosniff(response)


@pytest.mark.parametrize("path", sorted(HEAD_PATHS))
async def test_head_answers_like_get_without_a_body(client: httpx.AsyncClient, path: str) -> None:
    got = await client.get(path)
    head = await client.head(path)

    assert (head.status_code, head.content) == (got.status_code, b"")


async def test_every_405_allows_exactly_the_documented_methods(
    client: httpx.AsyncClient,
) -> None:
    """OPTIONS is never served, so it is a 405 on every path; Allow is the path's methods."""
    document = (await client.get("/openapi.json")).json()
    for template, operations in document["paths"].items():
        path = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", template)
        documented = {method.upper() for method in operations}
        if template in HEAD_PATHS:
            documented.add("HEAD")

        response = await client.options(path)

        assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
        allowed = set(response.headers["Allow"].split(", "))
        assert allowed == documented, (template, response.headers["Allow"])
