"""Every error the service can return answers in the envelope {"error": {code, message, ...}}."""

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.infrastructure.config import Settings

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    LOGOUT,
    PASSWORD,
    REGISTER,
    USERS,
    Account,
    access_token,
    assert_envelope,
    client_for,
    new_email,
    register,
    running_app,
    running_client,
    signed_up,
)

# --- 401 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "MISSING_TOKEN"),
        ("Bearer", "MISSING_TOKEN"),
        ("Basic dXNlcjpwYXNz", "MISSING_TOKEN"),
        ("Bearer not.a.jwt", "INVALID_TOKEN"),
        ("Bearer " + "x" * 300, "INVALID_TOKEN"),
    ],
    ids=["missing", "empty-bearer", "basic-scheme", "garbage-jwt", "long-garbage"],
)
async def test_missing_or_malformed_token_is_401(
    client: httpx.AsyncClient, alice: Account, authorization: str | None, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}

    response = await client.get(f"{USERS}/{alice.id}", headers=headers)

    assert_envelope(response, 401, code)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("spaces", [" ", "   "])  # RFC 9110: 1*SP, so no tabs
async def test_spaces_between_scheme_and_token_are_no_part_of_the_token(
    client: httpx.AsyncClient, alice: Account, spaces: str
) -> None:
    headers = {"Authorization": f"bearer{spaces}{alice.access_token} "}

    response = await client.get(f"{USERS}/me", headers=headers)

    assert (response.status_code, response.json()["id"]) == (200, alice.id)


async def test_expired_token_is_401(
    client: httpx.AsyncClient, settings: Settings, alice: Account
) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = access_token(
        settings,
        alice.id,
        iat=int(past.timestamp()),
        exp=int((past + timedelta(minutes=5)).timestamp()),
    )

    response = await client.get(f"{USERS}/{alice.id}", headers={"Authorization": f"Bearer {token}"})

    assert_envelope(response, 401, "TOKEN_EXPIRED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_token_signed_with_another_key_is_401(
    client: httpx.AsyncClient, settings: Settings, alice: Account
) -> None:
    token = access_token(settings, alice.id, secret="another-secret-" + "y" * 49)

    response = await client.get(f"{USERS}/{alice.id}", headers={"Authorization": f"Bearer {token}"})

    assert_envelope(response, 401, "INVALID_TOKEN")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_well_formed_token_from_the_test_secret_is_accepted(
    client: httpx.AsyncClient, settings: Settings, alice: Account
) -> None:
    """Guards the crafted-token tests above: they fail for the reason they claim."""
    token = access_token(settings, alice.id)

    response = await client.get(f"{USERS}/{alice.id}", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200


# --- 403, 404, 405, 409 ------------------------------------------------------------------


async def test_forbidden_is_403_in_the_envelope(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.post(
        USERS, json={"email": new_email(), "password": PASSWORD}, headers=alice.headers
    )

    assert_envelope(response, 403, "FORBIDDEN")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("GET", "/api/v1"),
        ("POST", "/api/v1/auth/unknown"),
        ("GET", f"{USERS}/a/b"),
    ],
    ids=["root-level", "prefix-only", "unknown-auth-route", "users-nested"],
)
async def test_unknown_route_is_404(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)

    assert_envelope(response, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", LOGIN), ("DELETE", REGISTER), ("PUT", USERS), ("POST", "/health")],
    ids=["get-login", "delete-register", "put-users", "post-health"],
)
async def test_wrong_method_is_405(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)

    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")


async def test_duplicate_email_is_409(client: httpx.AsyncClient) -> None:
    user = await register(client)

    response = await client.post(REGISTER, json={"email": user["email"], "password": PASSWORD})

    assert_envelope(response, 409)


# --- 413, 415, 400 -----------------------------------------------------------------------


@pytest.fixture
def small_body_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_request_body_bytes": 256})


async def test_oversized_body_by_content_length_is_413(small_body_settings: Settings) -> None:
    payload = {"email": new_email(), "password": "p" * 20, "padding": "x" * 1000}

    async with running_client(small_body_settings) as client:
        response = await client.post(REGISTER, json=payload)

    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")


async def test_oversized_streamed_body_is_413(small_body_settings: Settings) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "a@example.com", "password": "'
        for _ in range(20):
            yield b"x" * 64
        yield b'"}'

    async with running_client(small_body_settings) as client:
        response = await client.post(
            REGISTER, content=chunks(), headers={"Content-Type": "application/json"}
        )

    assert "content-length" not in response.request.headers  # really sent chunked
    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")


async def test_body_under_the_limit_is_accepted(small_body_settings: Settings) -> None:
    async with running_client(small_body_settings) as client:
        response = await client.post(REGISTER, json={"email": new_email(), "password": PASSWORD})

    assert response.status_code == 201


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", None],
    ids=["text", "form", "xml", "no-content-type"],
)
async def test_non_json_body_is_415(client: httpx.AsyncClient, content_type: str | None) -> None:
    body = json.dumps({"email": new_email(), "password": PASSWORD})
    headers = {"Content-Type": content_type} if content_type else {}

    response = await client.post(REGISTER, content=body, headers=headers)

    assert_envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "body",
    ['{"email": "a@example.com", "password": ', "not json at all", '{"email": "a@example.com",}'],
    ids=["truncated", "plain-words", "trailing-comma"],
)
async def test_malformed_json_is_400(client: httpx.AsyncClient, body: str) -> None:
    response = await client.post(
        REGISTER, content=body, headers={"Content-Type": "application/json"}
    )

    assert_envelope(response, 400, "MALFORMED_JSON")


# --- 422 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, ["body.email", "body.password"]),
        ({"email": "a@example.com"}, ["body.password"]),
        ({"email": 42, "password": "hunter2-but-secret"}, ["body.email"]),
        ({"email": "a@example.com", "password": "tiny-pw"}, ["body.password"]),
        ([1, 2, 3], ["body"]),
    ],
    ids=["empty-object", "missing-password", "email-not-string", "short-password", "array-body"],
)
async def test_validation_errors_list_fields_and_never_echo_input(
    client: httpx.AsyncClient, payload: object, fields: list[str]
) -> None:
    response = await client.post(REGISTER, json=payload)

    error = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert sorted(item["field"] for item in error["details"]["fields"]) == fields
    assert all(set(item) == {"field", "message"} for item in error["details"]["fields"])
    assert "hunter2-but-secret" not in response.text
    assert "tiny-pw" not in response.text


# --- 429 -----------------------------------------------------------------------------------


RATE_LIMIT = 3
SETUP_ADDRESS = "198.51.100.1"  # signs the accounts up, so it spends no request of the test
OTHER_ADDRESS = "203.0.113.9"


@dataclass(frozen=True, slots=True)
class ThrottledRoute:
    """A route that costs a bcrypt hash, the setting that caps it, and how it is keyed."""

    setting: str
    allowed_status: int  # what a request under the limit answers
    per_user: bool  # keyed by the authenticated user, else by the client address
    send: Callable[[httpx.AsyncClient, Account], Awaitable[httpx.Response]]


async def _wrong_login(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await client.post(LOGIN, json={"email": account.email, "password": "wrong password"})


async def _new_registration(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await client.post(REGISTER, json={"email": new_email("throttle"), "password": PASSWORD})


async def _wrong_password_change(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await client.post(
        CHANGE_PASSWORD,
        json={"current_password": "not my password", "new_password": "another passphrase"},
        headers=account.headers,
    )


THROTTLED_ROUTES = [
    pytest.param(
        ThrottledRoute("login_rate_limit_per_minute", 401, False, _wrong_login), id="login"
    ),
    pytest.param(
        ThrottledRoute("register_rate_limit_per_minute", 201, False, _new_registration),
        id="register",
    ),
    pytest.param(
        ThrottledRoute("password_change_rate_limit_per_minute", 403, True, _wrong_password_change),
        id="change-password",
    ),
]


@dataclass(frozen=True, slots=True)
class _Callers:
    client: httpx.AsyncClient  # from CLIENT_ADDRESS
    elsewhere: httpx.AsyncClient  # from OTHER_ADDRESS
    alice: Account
    bob: Account


@asynccontextmanager
async def _throttled(settings: Settings, route: ThrottledRoute) -> AsyncIterator[_Callers]:
    """An app with only `route`'s limit lowered; alice has already spent all of it."""
    limited = settings.model_copy(update={route.setting: RATE_LIMIT})
    async with (
        running_app(limited) as app,
        client_for(app, SETUP_ADDRESS) as setup,
        client_for(app) as client,
        client_for(app, OTHER_ADDRESS) as elsewhere,
    ):
        callers = _Callers(client, elsewhere, await signed_up(setup), await signed_up(setup))
        allowed = [await route.send(client, callers.alice) for _ in range(RATE_LIMIT)]
        assert [response.status_code for response in allowed] == [route.allowed_status] * RATE_LIMIT
        yield callers


@pytest.mark.parametrize("route", THROTTLED_ROUTES)
async def test_throttled_route_is_429_with_retry_after_past_its_limit(
    settings: Settings, route: ThrottledRoute
) -> None:
    async with _throttled(settings, route) as callers:
        blocked = await route.send(callers.client, callers.alice)

    assert_envelope(blocked, 429, "RATE_LIMITED")
    retry_after = int(blocked.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert blocked.json()["error"]["details"] == {"retry_after_seconds": retry_after}


@pytest.mark.parametrize("route", THROTTLED_ROUTES)
async def test_throttled_route_counts_per_user_or_per_client_address(
    settings: Settings, route: ThrottledRoute
) -> None:
    async with _throttled(settings, route) as callers:
        if route.per_user:
            # Bob shares alice's address but not her budget; a new address does not help her.
            other_caller = await route.send(callers.client, callers.bob)
            same_caller = await route.send(callers.elsewhere, callers.alice)
        else:
            # Another address has its own budget; another account from alice's address does not.
            other_caller = await route.send(callers.elsewhere, callers.alice)
            same_caller = await route.send(callers.client, callers.bob)

    assert other_caller.status_code == route.allowed_status, other_caller.text
    assert_envelope(same_caller, 429, "RATE_LIMITED")


async def test_rate_limit_applies_to_login_only(settings: Settings) -> None:
    limited = settings.model_copy(update={"login_rate_limit_per_minute": 1})

    async with running_client(limited) as client:
        statuses = [
            (
                await client.post(REGISTER, json={"email": new_email(), "password": PASSWORD})
            ).status_code
            for _ in range(3)
        ]

    assert statuses == [201, 201, 201]


# --- 500 -----------------------------------------------------------------------------------


async def test_unhandled_error_is_500_without_internals_and_logged(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/test-only/explode", explode, methods=["GET"])

    with caplog.at_level(logging.ERROR):
        response = await client.get("/test-only/explode", headers={"X-Request-ID": "boom-1"})

    error = assert_envelope(response, 500, "INTERNAL_ERROR")
    assert error["details"] == {}
    assert "secret internals" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["X-Request-ID"] == "boom-1"
    logged = [record for record in caplog.records if record.exc_info]
    assert len(logged) == 1
    assert "secret internals" in caplog.text
    assert "Traceback" in caplog.text


async def test_error_inside_a_command_handler_is_500(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_dispatch(message: object) -> object:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.state.container.command_bus, "dispatch", broken_dispatch)

    response = await client.post(REGISTER, json={"email": new_email(), "password": PASSWORD})

    assert_envelope(response, 500, "INTERNAL_ERROR")
    assert "secret internals" not in response.text


async def test_logout_without_body_fields_is_422_not_500(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post(LOGOUT, json={}, headers=alice.headers)

    assert_envelope(response, 422, "VALIDATION_ERROR")
