"""Headers every client, browser and cache may rely on.

nosniff, the content security and referrer policies and (when configured) HSTS on every
response; no-store on tokens; Allow on 405.
"""

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


API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _assert_browser_headers(response: httpx.Response) -> None:
    """Nosniff, and the policies that let a JSON answer do nothing in a browser."""
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.headers
    assert response.headers.get("Content-Security-Policy") == API_POLICY, response.headers
    assert response.headers.get("Referrer-Policy") == "no-referrer", response.headers


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
async def test_every_response_carries_the_browser_headers(
    client: httpx.AsyncClient, method: str, path: str, body: Any, status: int
) -> None:
    if isinstance(body, str):
        response = await client.request(method, path, content=body)
    else:
        response = await client.request(method, path, json=body)

    assert response.status_code == status, response.text
    _assert_browser_headers(response)


async def test_a_413_from_the_middleware_carries_the_browser_headers(settings: Settings) -> None:
    small = settings.model_copy(update={"max_request_body_bytes": 64})
    async with running_client(small) as client:
        response = await client.post(REGISTER, json={"padding": "x" * 200})

    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
    _assert_browser_headers(response)


async def test_a_500_carries_the_browser_headers(app: FastAPI, client: httpx.AsyncClient) -> None:
    async def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/test-only/explode", explode, methods=["GET"])

    response = await client.get("/test-only/explode")

    assert_envelope(response, 500, "INTERNAL_ERROR")
    _assert_browser_headers(response)


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
    _assert_browser_headers(response)


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


async def test_local_sends_no_hsts(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        pytest.param({"app_env": "prod"}, "max-age=31536000; includeSubDomains", id="prod"),
        pytest.param(
            {"hsts_enabled": True, "hsts_max_age_seconds": 600},
            "max-age=600; includeSubDomains",
            id="turned-on-locally",
        ),
        pytest.param({"app_env": "prod", "hsts_enabled": False}, None, id="left-to-the-proxy"),
    ],
)
async def test_hsts_is_sent_outside_local_unless_the_proxy_adds_it(
    settings: Settings, update: dict[str, Any], expected: str | None
) -> None:
    async with running_client(settings.model_copy(update=update)) as client:
        responses = [await client.get("/health"), await client.get("/nope")]

    for response in responses:
        assert response.headers.get("Strict-Transport-Security") == expected


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (directive.split() for directive in policy.split(";"))
    return {name: sources for name, *sources in parts}


def _origin(url: str) -> str:
    return "'self'" if url.startswith("/") else "/".join(url.split("/")[:3])


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_docs_pages_policy_lets_in_exactly_what_they_load(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = response.text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    styles = re.findall(r'<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"', page)
    styles += re.findall(r'<link[^>]+href="([^"]+)"[^>]*rel="stylesheet"', page)
    assert scripts, page
    for url in scripts:
        assert _origin(url) in policy["script-src"], url
    for url in styles:
        assert _origin(url) in policy["style-src"], url
    # Swagger UI starts itself with an inline script, ReDoc styles itself inline.
    inline = {"script-src": r"<script>\s*\S", "style-src": r"<style>\s*\S"}
    for directive, pattern in inline.items():
        if re.search(pattern, page):
            assert "'unsafe-inline'" in policy[directive], directive
