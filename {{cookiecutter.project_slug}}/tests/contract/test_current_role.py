"""Role and existence are read from the database on every request, not from the token.

Each test changes a user behind the service's back, with SQL on the database the
app runs on, and then uses an access token issued before the change: it is still
validly signed and unexpired, so only the database can tell that it no longer
speaks for anyone, or not for an admin.
"""

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sql_statements import execute_sql as execute

from .helpers import (
    CHANGE_PASSWORD,
    LOGOUT,
    PASSWORD,
    USERS,
    Account,
    assert_envelope,
    new_email,
)

INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'


def set_role(database_url: str, account: Account, role: str) -> None:
    statement = "UPDATE users SET role = :role WHERE id = :id"
    assert execute(database_url, statement, {"role": role, "id": account.id}) == 1


def delete_user(database_url: str, account: Account) -> None:
    # Its refresh tokens go too (ON DELETE CASCADE on PostgreSQL; SQLite keeps
    # foreign keys off, so delete them explicitly): only the access token is left.
    execute(database_url, "DELETE FROM refresh_tokens WHERE user_id = :id", {"id": account.id})
    assert execute(database_url, "DELETE FROM users WHERE id = :id", {"id": account.id}) == 1


async def _create_user(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await client.post(
        USERS, json={"email": new_email("created"), "password": PASSWORD}, headers=account.headers
    )


async def test_admin_demoted_in_the_database_gets_403_with_a_still_valid_token(
    client: httpx.AsyncClient, admin: Account, database_url: str
) -> None:
    assert (await _create_user(client, admin)).status_code == 201

    set_role(database_url, admin, "user")
    response = await _create_user(client, admin)

    assert_envelope(response, 403, "FORBIDDEN")


async def test_deleted_admins_token_gets_401_and_creates_nobody(
    client: httpx.AsyncClient, admin: Account, database_url: str
) -> None:
    delete_user(database_url, admin)

    response = await _create_user(client, admin)

    assert_envelope(response, 401, "INVALID_TOKEN")
    assert response.headers["WWW-Authenticate"] == INVALID_TOKEN_CHALLENGE


async def test_user_promoted_in_the_database_acts_as_admin_with_the_old_token(
    client: httpx.AsyncClient, alice: Account, bob: Account, database_url: str
) -> None:
    set_role(database_url, alice, "admin")

    created = await _create_user(client, alice)
    read = await client.get(f"{USERS}/{bob.id}", headers=alice.headers)

    assert created.status_code == 201, created.text
    assert read.status_code == 200, read.text


async def test_admin_demoted_in_the_database_may_no_longer_read_others(
    client: httpx.AsyncClient, admin: Account, alice: Account, database_url: str
) -> None:
    assert (await client.get(f"{USERS}/{alice.id}", headers=admin.headers)).status_code == 200

    set_role(database_url, admin, "user")
    response = await client.get(f"{USERS}/{alice.id}", headers=admin.headers)

    assert_envelope(response, 403, "FORBIDDEN")


def _read_self(client: httpx.AsyncClient, account: Account) -> Awaitable[httpx.Response]:
    return client.get(f"{USERS}/{account.id}", headers=account.headers)


def _change_password(client: httpx.AsyncClient, account: Account) -> Awaitable[httpx.Response]:
    return client.post(
        CHANGE_PASSWORD,
        json={"current_password": account.password, "new_password": "a brand new passphrase"},
        headers=account.headers,
    )


def _logout(client: httpx.AsyncClient, account: Account) -> Awaitable[httpx.Response]:
    return client.post(
        LOGOUT, json={"refresh_token": account.refresh_token}, headers=account.headers
    )


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(_read_self, id="get-own-record"),
        pytest.param(_change_password, id="change-password"),
        pytest.param(_logout, id="logout"),
    ],
)
async def test_deleted_users_token_gets_401_wherever_it_acts(
    client: httpx.AsyncClient,
    alice: Account,
    database_url: str,
    send: Callable[[httpx.AsyncClient, Account], Awaitable[httpx.Response]],
) -> None:
    delete_user(database_url, alice)

    response = await send(client, alice)

    # RFC 6750: a token was sent and refused, like an expired or forged one.
    assert_envelope(response, 401, "INVALID_TOKEN")
    assert response.headers["WWW-Authenticate"] == INVALID_TOKEN_CHALLENGE
