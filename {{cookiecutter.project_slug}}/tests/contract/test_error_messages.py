"""The exact envelope of the refusals clients meet: status, code, message and details.

The messages are fixed sentences, one per case: a client may show them as they are, and
a change to one is a change to the API. The domain's refusals that the request schema
turns away first over HTTP (too short, too long, not shaped like an address) are pinned
in tests/unit/test_domain_messages.py.
"""

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.infrastructure.config import Settings
from app.infrastructure.throttle.in_memory_throttle_store import InMemoryThrottleStore

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    REFRESH,
    REGISTER,
    USERS,
    Account,
    access_token,
    assert_envelope,
    bearer,
    client_for,
    new_email,
    running_app,
    running_client,
)

PASSPHRASE = "a fine passphrase"


@dataclass(frozen=True, slots=True)
class World:
    client: httpx.AsyncClient
    settings: Settings
    alice: Account
    admin: Account


Scenario = Callable[[World], Awaitable[httpx.Response]]


async def _no_token(world: World) -> httpx.Response:
    return await world.client.get(f"{USERS}/me")


async def _blank_bearer(world: World) -> httpx.Response:
    return await world.client.get(f"{USERS}/me", headers={"Authorization": "Bearer   "})


async def _garbage_token(world: World) -> httpx.Response:
    return await world.client.get(f"{USERS}/me", headers=bearer("not.a.jwt"))


async def _expired_token(world: World) -> httpx.Response:
    past = datetime.now(UTC) - timedelta(hours=1)
    expiry = int((past + timedelta(minutes=5)).timestamp())
    token = access_token(world.settings, world.alice.id, iat=int(past.timestamp()), exp=expiry)
    return await world.client.get(f"{USERS}/me", headers=bearer(token))


async def _token_of_no_account(world: World) -> httpx.Response:
    token = access_token(world.settings, str(uuid.uuid4()))
    return await world.client.get(f"{USERS}/me", headers=bearer(token))


async def _deactivate_alice(world: World) -> None:
    response = await world.client.patch(
        f"{USERS}/{world.alice.id}", json={"is_active": False}, headers=world.admin.headers
    )
    assert response.status_code == 200, response.text


async def _token_of_a_deactivated_account(world: World) -> httpx.Response:
    await _deactivate_alice(world)
    return await world.client.get(f"{USERS}/me", headers=world.alice.headers)


async def _login_to_a_deactivated_account(world: World) -> httpx.Response:
    await _deactivate_alice(world)
    alice = world.alice
    return await world.client.post(LOGIN, json={"email": alice.email, "password": alice.password})


async def _unknown_refresh_token(world: World) -> httpx.Response:
    return await world.client.post(REFRESH, json={"refresh_token": "no-such-token"})


async def _wrong_current_password(world: World) -> httpx.Response:
    body = {"current_password": "not the password", "new_password": "a fresh passphrase"}
    return await world.client.post(CHANGE_PASSWORD, json=body, headers=world.alice.headers)


async def _admin_reads_an_unknown_user(world: World) -> httpx.Response:
    return await world.client.get(f"{USERS}/{uuid.uuid4()}", headers=world.admin.headers)


async def _ending_an_unknown_session(world: World) -> httpx.Response:
    return await world.client.delete(
        f"/api/v1/auth/sessions/{uuid.uuid4()}", headers=world.alice.headers
    )


async def _token_of_an_ended_session_manages_sessions(world: World) -> httpx.Response:
    # A second login ends every other session of alice, her fixture's one among them.
    login = await world.client.post(
        LOGIN, json={"email": world.alice.email, "password": world.alice.password}
    )
    elsewhere = bearer(login.json()["access_token"])
    ended = await world.client.delete("/api/v1/auth/sessions", headers=elsewhere)
    assert ended.status_code == 204, ended.text
    return await world.client.get("/api/v1/auth/sessions", headers=world.alice.headers)


async def _admin_changes_an_unknown_user(world: World) -> httpx.Response:
    return await world.client.patch(
        f"{USERS}/{uuid.uuid4()}", json={"role": "admin"}, headers=world.admin.headers
    )


async def _last_admin_demotes_themself(world: World) -> httpx.Response:
    return await world.client.patch(
        f"{USERS}/{world.admin.id}", json={"role": "user"}, headers=world.admin.headers
    )


async def _email_taken(world: World) -> httpx.Response:
    body = {"email": world.alice.email, "password": "another fine passphrase"}
    return await world.client.post(REGISTER, json=body)


async def _body_not_json(world: World) -> httpx.Response:
    headers = {"Content-Type": "text/plain"}
    return await world.client.post(REGISTER, content=b"email=a@b.c", headers=headers)


async def _repeated_key(world: World) -> httpx.Response:
    # The first password would pass a filter that reads the first; the second is the real one.
    body = b'{"email": "carol@example.com", "password": "x", "password": "a fine passphrase"}'
    headers = {"Content-Type": "application/json"}
    return await world.client.post(REGISTER, content=body, headers=headers)


async def _register(world: World, email: str, password: str) -> httpx.Response:
    return await world.client.post(REGISTER, json={"email": email, "password": password})


def _registering(email: str, password: str = PASSPHRASE) -> Scenario:
    async def scenario(world: World) -> httpx.Response:
        return await _register(world, email, password)

    return scenario


REFUSED = 'Bearer error="invalid_token"'
# (scenario, status, code, message, details, WWW-Authenticate)
PROMISES: dict[str, tuple[Scenario, int, str, str, dict[str, Any], str | None]] = {
    "no-token": (_no_token, 401, "MISSING_TOKEN", "Missing bearer token", {}, "Bearer"),
    "blank-bearer": (_blank_bearer, 401, "MISSING_TOKEN", "Missing bearer token", {}, "Bearer"),
    "garbage-token": (_garbage_token, 401, "INVALID_TOKEN", "Invalid access token", {}, REFUSED),
    "expired-token": (_expired_token, 401, "TOKEN_EXPIRED", "Access token expired", {}, REFUSED),
    "token-of-no-account": (
        _token_of_no_account,
        401,
        "INVALID_TOKEN",
        "The account of this access token no longer exists",
        {},
        REFUSED,
    ),
    "token-of-a-deactivated-account": (
        _token_of_a_deactivated_account,
        401,
        "ACCOUNT_DISABLED",
        "The account of this access token is deactivated",
        {},
        REFUSED,
    ),
    "login-to-a-deactivated-account": (
        _login_to_a_deactivated_account,
        403,
        "ACCOUNT_DISABLED",
        "This account is deactivated",
        {},
        None,
    ),
    "unknown-refresh-token": (
        _unknown_refresh_token,
        401,
        "INVALID_REFRESH_TOKEN",
        "Invalid or expired refresh token",
        {},
        "Bearer",
    ),
    "wrong-current-password": (
        _wrong_current_password,
        403,
        "INVALID_CURRENT_PASSWORD",
        "Current password is incorrect",
        {},
        None,
    ),
    "admin-reads-an-unknown-user": (
        _admin_reads_an_unknown_user,
        404,
        "USER_NOT_FOUND",
        "User not found",
        {},
        None,
    ),
    "ending-an-unknown-session": (
        _ending_an_unknown_session,
        404,
        "SESSION_NOT_FOUND",
        "Session not found",
        {},
        None,
    ),
    "ended-session-manages-sessions": (
        _token_of_an_ended_session_manages_sessions,
        401,
        "SESSION_ENDED",
        "The session of this access token has ended",
        {},
        REFUSED,
    ),
    "admin-changes-an-unknown-user": (
        _admin_changes_an_unknown_user,
        404,
        "USER_NOT_FOUND",
        "User not found",
        {},
        None,
    ),
    "last-admin-demotes-themself": (
        _last_admin_demotes_themself,
        409,
        "LAST_ACTIVE_ADMIN",
        "The last active admin can be neither demoted nor deactivated",
        {},
        None,
    ),
    "email-taken": (
        _email_taken,
        409,
        "EMAIL_TAKEN",
        "An account with this email already exists",
        {},
        None,
    ),
    "body-not-json": (
        _body_not_json,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Request body must be JSON (Content-Type: application/json)",
        {},
        None,
    ),
    "repeated-json-key": (
        _repeated_key,
        400,
        "DUPLICATE_JSON_KEY",
        "Request body repeats a key in one JSON object",
        {},
        None,
    ),
    "blank-password": (
        _registering("carol@example.com", " " * 10),
        422,
        "PASSWORD_BLANK",
        "Password must contain a visible character, not only spaces, combining marks "
        "or invisible characters",
        {"reason": "blank"},
        None,
    ),
    "common-password": (
        _registering("carol@example.com", "password123"),
        422,
        "PASSWORD_TOO_COMMON",
        "Password is one of the 10,000 most common passwords: choose another",
        {"reason": "common"},
        None,
    ),
    "email-invisible-character": (
        _registering("car\u200bol@example.com"),
        422,
        "INVALID_EMAIL",
        "Email contains an invisible or control character",
        {"reason": "invisible_character"},
        None,
    ),
    "email-quoted-local-part": (
        _registering('"carol"@example.com'),
        422,
        "INVALID_EMAIL",
        "Email addresses with a quoted local part are not accepted",
        {"reason": "quoted_local_part"},
        None,
    ),
    "email-domain": (
        _registering("carol@example..com"),
        422,
        "INVALID_EMAIL",
        "Email domain is not a valid domain name",
        {"reason": "domain"},
        None,
    ),
    "email-past-254-once-normalised": (
        # 230 characters as sent, within the schema's 254; 330 once "ß" is folded to "ss".
        _registering(f"{'ß' * 100}@{'b' * 60}.{'c' * 60}.example"),
        422,
        "INVALID_EMAIL",
        "Email must be at most 254 characters",
        {"reason": "too_long", "max_length": 254},
        None,
    ),
    "email-mixed-scripts-in-the-domain": (
        _registering("carol@p\u0430ypal.com"),
        422,
        "INVALID_EMAIL",
        "Email address mixes Cyrillic and Latin letters in its domain: use letters of one script",
        {"reason": "mixed_scripts", "part": "domain", "scripts": ["Cyrillic", "Latin"]},
        None,
    ),
    "email-private-use-character": (
        _registering("car\ue000ol@example.com"),
        422,
        "INVALID_EMAIL",
        "Email contains an invisible or control character",
        {"reason": "invisible_character"},
        None,
    ),
    "email-mixed-scripts-in-the-local-part": (
        _registering("\u043f\u0440\u6f22@example.com"),
        422,
        "INVALID_EMAIL",
        "Email address mixes CJK and Cyrillic letters in its local part: use letters of one script",
        {"reason": "mixed_scripts", "part": "local part", "scripts": ["CJK", "Cyrillic"]},
        None,
    ),
    "email-a-mark-then-another-script": (
        # The Devanagari vowel sign sits on its letter; the Latin "a" after it is refused.
        _registering("\u0915\u093fa@example.com"),
        422,
        "INVALID_EMAIL",
        "Email address mixes Devanagari and Latin letters in its local part: "
        "use letters of one script",
        {"reason": "mixed_scripts", "part": "local part", "scripts": ["Devanagari", "Latin"]},
        None,
    ),
    "email-stray-mark-in-the-local-part": (
        _registering("carol1\u0301@example.com"),
        422,
        "INVALID_EMAIL",
        "Email address has a combining mark that stands alone in its local part",
        {"reason": "combining_mark", "part": "local part"},
        None,
    ),
}


@pytest.fixture
async def world(
    client: httpx.AsyncClient, settings: Settings, alice: Account, admin: Account
) -> World:
    return World(client, settings, alice, admin)


@pytest.mark.parametrize("case", list(PROMISES))
async def test_each_refusal_has_its_one_status_code_message_and_details(
    world: World, case: str
) -> None:
    scenario, status, code, message, details, challenge = PROMISES[case]

    response = await scenario(world)

    error = assert_envelope(response, status, code)
    assert (error["message"], error["details"]) == (message, details)
    assert response.headers.get("WWW-Authenticate") == challenge


async def test_the_rate_limits_429_says_so_and_when_to_retry(settings: Settings) -> None:
    async with running_client(
        settings.model_copy(update={"register_rate_limit_per_minute": 1})
    ) as client:
        statuses = [
            (await _register_any(client)).status_code,
            (response := await _register_any(client)).status_code,
        ]

    assert statuses == [201, 429]
    error = assert_envelope(response, 429, "RATE_LIMITED")
    retry_after = int(response.headers["Retry-After"])
    assert error["message"] == "Too many requests; try again later"
    assert error["details"] == {"retry_after_seconds": retry_after}
    assert 1 <= retry_after <= 60


async def test_in_the_windows_last_second_a_429_says_retry_after_1(settings: Settings) -> None:
    now = [1000.0]
    limited = settings.model_copy(update={"register_rate_limit_per_minute": 1})
    async with running_app(limited) as app, client_for(app) as client:
        store = InMemoryThrottleStore(clock=lambda: now[0])
        app.state.container = dataclasses.replace(app.state.container, rate_limiter=store)
        assert (await _register_any(client)).status_code == 201
        now[0] += 59.5
        response = await client.post(REGISTER, json={"email": "x@example.com", "password": "p"})

    assert_envelope(response, 429, "RATE_LIMITED")
    assert response.headers["Retry-After"] == "1"


async def test_the_login_throttles_429_says_so_and_when_to_retry(settings: Settings) -> None:
    limits = {"login_failures_per_account_and_address": 1, "login_rate_limit_per_minute": 0}
    async with running_client(settings.model_copy(update=limits)) as client:
        email = (await _register_any(client)).json()["email"]
        wrong = {"email": email, "password": "not the password at all"}
        first = await client.post(LOGIN, json=wrong)
        second = await client.post(LOGIN, json=wrong)

    assert_envelope(first, 401, "INVALID_CREDENTIALS")
    error = assert_envelope(second, 429, "RATE_LIMITED")
    assert error["message"] == "Too many failed sign-ins; try again later"
    assert error["details"]["retry_after_seconds"] == int(second.headers["Retry-After"])


async def _register_any(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(REGISTER, json={"email": new_email(), "password": PASSPHRASE})
