"""Happy paths of every endpoint, and who may call what."""

import uuid

import httpx
import pytest
from fastapi import FastAPI

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
)

USER_FIELDS = {"id", "email", "role", "is_active", "created_at"}


async def test_register_returns_the_new_user_without_secrets(client: httpx.AsyncClient) -> None:
    email = new_email()

    response = await client.post(REGISTER, json={"email": email, "password": PASSWORD})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["email"] == email
    assert body["role"] == "user"
    uuid.UUID(body["id"])
    assert "password" not in response.text
    assert_no_secrets(response, PASSWORD)


async def test_login_returns_a_bearer_token_pair(client: httpx.AsyncClient) -> None:
    user = await register(client)

    response = await client.post(LOGIN, json={"email": user["email"], "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user_id", "access_token", "refresh_token", "token_type", "expires_in"}
    assert body["user_id"] == user["id"]
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    assert body["access_token"] != body["refresh_token"]


async def test_refresh_returns_a_new_pair(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user_id"] == alice.id
    assert body["refresh_token"] != alice.refresh_token
    me = await client.get(f"{USERS}/{alice.id}", headers=bearer(body["access_token"]))
    assert me.status_code == 200


async def test_logout_returns_204_and_ends_the_session(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post(
        LOGOUT, json={"refresh_token": alice.refresh_token}, headers=alice.headers
    )

    assert response.status_code == 204
    assert response.content == b""
    after = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
    assert_envelope(after, 401)


async def test_change_password_returns_204(client: httpx.AsyncClient, alice: Account) -> None:
    new_password = "a brand new passphrase"

    response = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": alice.password, "new_password": new_password},
        headers=alice.headers,
    )

    assert response.status_code == 204
    assert (await login(client, alice.email, new_password))["token_type"] == "bearer"


async def test_user_reads_own_record(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.get(f"{USERS}/{alice.id}", headers=alice.headers)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["id"] == alice.id
    assert body["email"] == alice.email
    assert_no_secrets(response, alice.password)


async def test_admin_reads_any_record(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    response = await client.get(f"{USERS}/{alice.id}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["email"] == alice.email


async def test_user_cannot_read_another_user(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    response = await client.get(f"{USERS}/{bob.id}", headers=alice.headers)

    assert_envelope(response, 403, "FORBIDDEN")
    assert bob.email not in response.text


async def test_unknown_user_id_is_404(client: httpx.AsyncClient, admin: Account) -> None:
    response = await client.get(f"{USERS}/{uuid.uuid4()}", headers=admin.headers)

    assert_envelope(response, 404, "USER_NOT_FOUND")


@pytest.mark.parametrize(
    "user_id", ["not-a-uuid", "123", "' OR 1=1 --"], ids=["word", "number", "sql"]
)
async def test_malformed_user_id_is_422(
    client: httpx.AsyncClient, admin: Account, user_id: str
) -> None:
    response = await client.get(f"{USERS}/{user_id}", headers=admin.headers)

    error = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert [field["field"] for field in error["details"]["fields"]] == ["path.user_id"]


async def test_admin_creates_a_user(client: httpx.AsyncClient, admin: Account) -> None:
    email = new_email("created")

    response = await client.post(
        USERS, json={"email": email, "password": PASSWORD}, headers=admin.headers
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_FIELDS
    assert (body["email"], body["role"]) == (email, "user")
    assert "password" not in response.text
    assert (await login(client, email))["token_type"] == "bearer"


async def test_admin_creates_another_admin(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    response = await client.post(
        USERS,
        json={"email": new_email("admin2"), "password": PASSWORD, "role": "admin"},
        headers=admin.headers,
    )

    assert response.status_code == 201
    assert response.json()["role"] == "admin"


async def test_user_cannot_create_users(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.post(
        USERS, json={"email": new_email(), "password": PASSWORD}, headers=alice.headers
    )

    assert_envelope(response, 403, "FORBIDDEN")


async def test_anonymous_cannot_create_users(client: httpx.AsyncClient) -> None:
    response = await client.post(USERS, json={"email": new_email(), "password": PASSWORD})

    assert_envelope(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
