"""Security behaviour of the auth flow (issue 4, "Security behaviour"; PITFALLS.md, "Runtime")."""

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from app.infrastructure.config import Settings

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    LOGOUT,
    PASSWORD,
    REFRESH,
    REGISTER,
    USERS,
    Account,
    assert_envelope,
    assert_no_secrets,
    bearer,
    login,
    new_email,
    register,
    running_client,
    signed_up,
)

# --- password policy: 422, never 500 --------------------------------------------------------

TOO_SHORT = "seven77"  # 7 characters
TOO_LONG = "€" * 257  # 257 characters: one past the limit
LONGEST_ALLOWED = "€" * 256  # 768 bytes in UTF-8, far past bcrypt's 72
SHORTEST_ALLOWED = "eight888"

BAD_PASSWORDS = [
    pytest.param(TOO_SHORT, id="7-chars"),
    pytest.param(TOO_LONG, id="257-chars"),
    pytest.param("x" * 10_000, id="10k-chars"),
]
GOOD_PASSWORDS = [
    pytest.param(SHORTEST_ALLOWED, id="8-chars"),
    pytest.param(LONGEST_ALLOWED, id="256-chars-of-3-bytes"),
]


async def _set_password(
    client: httpx.AsyncClient, endpoint: str, password: str, alice: Account, admin: Account
) -> httpx.Response:
    if endpoint == "register":
        return await client.post(REGISTER, json={"email": new_email(), "password": password})
    if endpoint == "create":
        return await client.post(
            USERS, json={"email": new_email(), "password": password}, headers=admin.headers
        )
    return await client.post(
        CHANGE_PASSWORD,
        json={"current_password": alice.password, "new_password": password},
        headers=alice.headers,
    )


ENDPOINTS = pytest.mark.parametrize("endpoint", ["register", "create", "change-password"])


@ENDPOINTS
@pytest.mark.parametrize("password", BAD_PASSWORDS)
async def test_password_outside_the_policy_is_422(
    client: httpx.AsyncClient, alice: Account, admin: Account, endpoint: str, password: str
) -> None:
    response = await _set_password(client, endpoint, password, alice, admin)

    error = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert [field["field"] for field in error["details"]["fields"]] == [
        "body.new_password" if endpoint == "change-password" else "body.password"
    ]
    assert password not in response.text


@ENDPOINTS
@pytest.mark.parametrize("password", GOOD_PASSWORDS)
async def test_password_at_the_policy_limits_is_accepted_and_works(
    client: httpx.AsyncClient, alice: Account, admin: Account, endpoint: str, password: str
) -> None:
    response = await _set_password(client, endpoint, password, alice, admin)

    assert response.status_code in (201, 204), response.text
    email = alice.email if endpoint == "change-password" else response.json()["email"]
    assert (await login(client, email, password))["token_type"] == "bearer"


async def test_overlong_password_at_login_is_422_not_500(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post(LOGIN, json={"email": alice.email, "password": TOO_LONG})

    assert_envelope(response, 422, "VALIDATION_ERROR")


# --- login does not reveal which accounts exist ----------------------------------------------


async def test_unknown_email_and_wrong_password_look_identical(
    client: httpx.AsyncClient, alice: Account
) -> None:
    unknown = await client.post(LOGIN, json={"email": new_email(), "password": PASSWORD})
    wrong = await client.post(LOGIN, json={"email": alice.email, "password": "not the password"})

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert_envelope(unknown, 401, "INVALID_CREDENTIALS")
    assert unknown.headers.get("WWW-Authenticate") == wrong.headers.get("WWW-Authenticate")


# --- token types, expiry and algorithms -----------------------------------------------------


async def test_refresh_token_is_not_an_access_token(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.get(f"{USERS}/{alice.id}", headers=bearer(alice.refresh_token))

    assert_envelope(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post(REFRESH, json={"refresh_token": alice.access_token})

    assert_envelope(response, 401, "INVALID_REFRESH_TOKEN")


async def test_access_token_expires(settings: Settings) -> None:
    """Issued by the service itself with a lifetime that is already over."""
    expired_on_issue = settings.model_copy(update={"access_token_expire_minutes": -1})

    async with running_client(expired_on_issue) as client:
        account = await signed_up(client)
        response = await client.get(f"{USERS}/{account.id}", headers=account.headers)

    assert_envelope(response, 401, "TOKEN_EXPIRED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_unsigned_alg_none_token_is_401(
    client: httpx.AsyncClient, settings: Settings, admin: Account, alice: Account, alg: str
) -> None:
    now = datetime.now(UTC)
    claims = {
        "sub": alice.id,
        "role": "admin",
        "typ": "access",
        "iss": settings.jwt_issuer,
        "aud": settings.token_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    token = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims)}."

    response = await client.get(f"{USERS}/{admin.id}", headers=bearer(token))

    assert_envelope(response, 401, "INVALID_TOKEN")


@pytest.mark.parametrize(
    ("exp", "iat"),
    [
        pytest.param(10**20, 0, id="exp-10e20"),
        pytest.param(1e300, 0, id="exp-1e300"),
        pytest.param(float("inf"), 0, id="exp-infinity"),
        pytest.param(None, -(10**20), id="iat-minus-10e20"),
    ],
)
async def test_validly_signed_token_with_out_of_range_times_is_401_not_500(
    client: httpx.AsyncClient, settings: Settings, alice: Account, exp: float | None, iat: float
) -> None:
    """Signed with the service's own key: only the claims are wrong (no datetime holds them)."""
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": alice.id,
        "role": "user",
        "typ": "access",
        "iss": settings.jwt_issuer,
        "aud": settings.token_audience,
        "iat": iat or now,
        "exp": now + 300 if exp is None else exp,
    }
    key = settings.jwt_secret_key.get_secret_value()
    token = jwt.encode(claims, key, algorithm=settings.jwt_algorithm)

    response = await client.get(f"{USERS}/{alice.id}", headers=bearer(token))

    assert_envelope(response, 401, "INVALID_TOKEN")
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


# --- refresh rotation and family revocation ---------------------------------------------------


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": refresh_token})


async def test_every_refresh_rotates(client: httpx.AsyncClient, alice: Account) -> None:
    seen = {alice.refresh_token}
    current = alice.refresh_token
    for _ in range(3):
        response = await _refresh(client, current)
        assert response.status_code == 200
        current = response.json()["refresh_token"]
        assert current not in seen
        seen.add(current)


async def test_replaying_a_rotated_token_revokes_the_whole_family(
    client: httpx.AsyncClient, alice: Account
) -> None:
    first = alice.refresh_token
    second = (await _refresh(client, first)).json()["refresh_token"]
    third = (await _refresh(client, second)).json()["refresh_token"]

    replay = await _refresh(client, first)
    newest = await _refresh(client, third)

    assert_envelope(replay, 401, "INVALID_REFRESH_TOKEN")
    assert_envelope(newest, 401, "INVALID_REFRESH_TOKEN")


async def test_family_revocation_leaves_other_logins_alone(
    client: httpx.AsyncClient, alice: Account
) -> None:
    other_device = await login(client, alice.email)
    rotated = (await _refresh(client, alice.refresh_token)).json()["refresh_token"]

    await _refresh(client, alice.refresh_token)  # replay: kills alice's first family

    assert_envelope(await _refresh(client, rotated), 401)
    assert (await _refresh(client, other_device["refresh_token"])).status_code == 200


# --- logout ---------------------------------------------------------------------------------


async def test_logout_needs_an_access_token(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.post(LOGOUT, json={"refresh_token": alice.refresh_token})

    assert_envelope(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await _refresh(client, alice.refresh_token)).status_code == 200


async def test_logout_only_revokes_the_callers_own_token(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    response = await client.post(
        LOGOUT, json={"refresh_token": alice.refresh_token}, headers=bob.headers
    )

    assert response.status_code == 204  # silent: no probing for other people's tokens
    assert (await _refresh(client, alice.refresh_token)).status_code == 200
    assert (await _refresh(client, bob.refresh_token)).status_code == 200


# --- change password ----------------------------------------------------------------------


async def test_change_password_with_wrong_current_is_403_without_a_bearer_challenge(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": "not my password", "new_password": "another passphrase"},
        headers=alice.headers,
    )

    assert_envelope(response, 403, "INVALID_CURRENT_PASSWORD")
    # A 401 would tell RFC 6750 clients that the access token itself is dead.
    assert "www-authenticate" not in response.headers
    assert (await login(client, alice.email, alice.password))["token_type"] == "bearer"


async def test_change_password_revokes_every_session(
    client: httpx.AsyncClient, alice: Account
) -> None:
    other_device = await login(client, alice.email)
    new_password = "a brand new passphrase"

    response = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": alice.password, "new_password": new_password},
        headers=alice.headers,
    )

    assert response.status_code == 204
    assert_envelope(await _refresh(client, alice.refresh_token), 401)
    assert_envelope(await _refresh(client, other_device["refresh_token"]), 401)
    old = await client.post(LOGIN, json={"email": alice.email, "password": alice.password})
    assert_envelope(old, 401, "INVALID_CREDENTIALS")
    assert (await login(client, alice.email, new_password))["token_type"] == "bearer"


# --- RFC 6750 challenges -------------------------------------------------------------------

INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        pytest.param(lambda account: None, "Bearer", id="no-authorization-header"),
        pytest.param(lambda account: "Basic YWxpY2U6cHc=", "Bearer", id="another-scheme"),
        pytest.param(
            lambda account: "Bearer not-a-jwt", INVALID_TOKEN_CHALLENGE, id="garbage-token"
        ),
        pytest.param(
            lambda account: f"Bearer {account.refresh_token}",
            INVALID_TOKEN_CHALLENGE,
            id="refresh-token-as-access-token",
        ),
    ],
)
async def test_401_challenge_names_an_error_only_when_a_token_was_sent(
    client: httpx.AsyncClient,
    alice: Account,
    authorization: Callable[[Account], str | None],
    challenge: str,
) -> None:
    value = authorization(alice)
    headers = {"Authorization": value} if value is not None else {}

    response = await client.get(f"{USERS}/{alice.id}", headers=headers)

    assert_envelope(response, 401)
    assert response.headers["WWW-Authenticate"] == challenge


# --- e-mail addresses with control or invisible characters ------------------------------------

CONTROL_CHARACTER_EMAILS = [
    pytest.param("nul\u0000@example.com", id="nul"),
    pytest.param("a\u202e@example.com", id="right-to-left-override"),
    pytest.param("a\u200b@example.com", id="zero-width-space"),
    pytest.param("tab\t@example.com", id="inner-tab"),
]


@pytest.mark.parametrize("email", CONTROL_CHARACTER_EMAILS)
async def test_register_refuses_an_email_with_control_or_invisible_characters(
    client: httpx.AsyncClient, email: str
) -> None:
    response = await client.post(REGISTER, json={"email": email, "password": PASSWORD})

    error = assert_envelope(response, 422)
    assert error["code"] in {"INVALID_EMAIL", "VALIDATION_ERROR"}, error


@pytest.mark.parametrize("email", CONTROL_CHARACTER_EMAILS)
async def test_login_with_an_email_with_control_characters_fails_cleanly(
    client: httpx.AsyncClient, email: str
) -> None:
    """PostgreSQL refuses NUL in text: the address must never reach a query."""
    response = await client.post(LOGIN, json={"email": email, "password": PASSWORD})

    assert response.status_code in (401, 422), response.text
    assert_envelope(response, response.status_code)


# --- one account per address --------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda email: email.upper(), id="upper-case"),
        pytest.param(lambda email: email.capitalize(), id="capitalised"),
        pytest.param(lambda email: f"  {email}  ", id="surrounding-spaces"),
        pytest.param(lambda email: f"\t{email.upper()}\n", id="tabs-and-case"),
    ],
)
async def test_email_variants_collide(
    client: httpx.AsyncClient, variant: Callable[[str], str]
) -> None:
    email = new_email("case")
    await register(client, email)

    response = await client.post(REGISTER, json={"email": variant(email), "password": PASSWORD})

    assert_envelope(response, 409)
    assert (await login(client, variant(email)))["token_type"] == "bearer"


async def test_registered_email_is_stored_normalised(client: httpx.AsyncClient) -> None:
    email = new_email("norm")

    body = await register(client, f"  {email.upper()} ")

    assert body["email"] == email


# --- nothing secret in any response -----------------------------------------------------------


async def test_no_response_carries_a_password_or_hash(
    client: httpx.AsyncClient, alice: Account, admin: Account
) -> None:
    responses = [
        await client.post(REGISTER, json={"email": new_email(), "password": PASSWORD}),
        await client.post(LOGIN, json={"email": alice.email, "password": alice.password}),
        await client.post(LOGIN, json={"email": alice.email, "password": "wrong password"}),
        await client.get(f"{USERS}/{alice.id}", headers=alice.headers),
        await client.get(f"{USERS}/{alice.id}", headers=admin.headers),
        await client.post(
            USERS, json={"email": new_email(), "password": PASSWORD}, headers=admin.headers
        ),
        await _refresh(client, alice.refresh_token),
    ]

    for response in responses:
        assert response.status_code < 500
        if response.is_success:
            assert "password" not in response.text.lower()
        assert_no_secrets(response, PASSWORD, "wrong password")
    assert [response.status_code for response in responses] == [201, 200, 401, 200, 200, 201, 200]
