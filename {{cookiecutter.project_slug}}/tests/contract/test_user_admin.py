"""Administering users over HTTP: /me, the listing, and changes of role and status."""

import asyncio
import base64
import json
import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from .helpers import (
    LOGIN,
    REFRESH,
    USERS,
    Account,
    assert_envelope,
    bearer,
    create_admin,
    login,
    new_email,
    register,
)

ME = f"{USERS}/me"


def _patch(client: httpx.AsyncClient, by: Account, user_id: str, **changes: Any) -> Any:
    return client.patch(f"{USERS}/{user_id}", json=changes, headers=by.headers)


async def _second_admin(app: FastAPI, client: httpx.AsyncClient) -> Account:
    user = await create_admin(app, new_email("admin2"))
    pair = await login(client, user.email)
    return Account(str(user.id), user.email, "", pair["access_token"], pair["refresh_token"])


# --- /me ----------------------------------------------------------------------------------


async def test_me_is_the_caller_s_own_record(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.get(ME, headers=alice.headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["email"], body["role"], body["is_active"]) == (
        alice.id,
        alice.email,
        "user",
        True,
    )


async def test_me_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    assert_envelope(await client.get(ME), 401, "MISSING_TOKEN")


async def test_other_methods_on_me_are_405_not_an_id(
    client: httpx.AsyncClient, admin: Account
) -> None:
    response = await _patch(client, admin, "me", role="user")

    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET"


# --- the listing --------------------------------------------------------------------------


async def _all_pages(client: httpx.AsyncClient, admin: Account, **query: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    params = dict(query)
    while True:
        response = await client.get(USERS, params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([user["email"] for user in body["items"]])
        if body["next_cursor"] is None:
            return pages
        params["cursor"] = body["next_cursor"]


async def test_pages_hold_every_account_once_oldest_first(
    client: httpx.AsyncClient, admin: Account
) -> None:
    emails = [(await register(client, new_email(f"u{n}")))["email"] for n in range(5)]

    pages = await _all_pages(client, admin, limit=2)

    assert [len(page) for page in pages] == [2, 2, 2]
    assert [email for page in pages for email in page] == [admin.email, *emails]


async def test_a_full_last_page_says_there_is_no_next(
    client: httpx.AsyncClient, admin: Account
) -> None:
    await register(client)

    assert [len(page) for page in await _all_pages(client, admin, limit=2)] == [2]


async def test_the_listing_filters_by_role_and_status(
    client: httpx.AsyncClient, admin: Account, alice: Account, bob: Account
) -> None:
    assert (await _patch(client, admin, bob.id, is_active=False)).status_code == 200

    admins = await _all_pages(client, admin, role="admin")
    inactive = await _all_pages(client, admin, is_active="false")
    active_users = await _all_pages(client, admin, role="user", is_active="true")

    assert admins == [[admin.email]]
    assert inactive == [[bob.email]]
    assert active_users == [[alice.email]]


async def test_the_listing_is_for_admins_only(client: httpx.AsyncClient, alice: Account) -> None:
    assert_envelope(await client.get(USERS, headers=alice.headers), 403, "FORBIDDEN")


def _cursor(created_at: str, user_id: str = "11111111-1111-1111-1111-111111111111") -> str:
    raw = json.dumps([created_at, user_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "W10",
        _cursor("x", "y"),
        _cursor("2030-01-01T00:00:00"),
        _cursor("2030-01-01T00:00:00+00:00", "not-an-id"),
        _cursor("0001-01-01T00:00:00+05:00"),
        _cursor("9999-12-31T23:59:59-05:00"),
        "//",
    ],
    ids=[
        "not-base64-json",
        "empty-list",
        "not-a-date",
        "no-timezone",
        "not-an-id",
        "before-year-1-in-utc",
        "after-year-9999-in-utc",
        "not-base64",
    ],
)
async def test_a_cursor_the_service_did_not_issue_is_422(
    client: httpx.AsyncClient, admin: Account, cursor: str
) -> None:
    response = await client.get(USERS, params={"cursor": cursor}, headers=admin.headers)

    assert_envelope(response, 422, "INVALID_CURSOR")


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
async def test_a_page_size_outside_1_to_100_is_422(
    client: httpx.AsyncClient, admin: Account, limit: str
) -> None:
    response = await client.get(USERS, params={"limit": limit}, headers=admin.headers)

    error = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert [field["field"] for field in error["details"]["fields"]] == ["query.limit"]


# --- changing role and status -------------------------------------------------------------


async def test_a_promotion_counts_on_the_next_request(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    assert_envelope(await client.get(USERS, headers=alice.headers), 403, "FORBIDDEN")

    response = await _patch(client, admin, alice.id, role="admin")

    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    # The same access token, issued when alice was a user.
    assert (await client.get(USERS, headers=alice.headers)).status_code == 200
    assert (await _patch(client, admin, alice.id, role="user")).status_code == 200
    assert_envelope(await client.get(USERS, headers=alice.headers), 403, "FORBIDDEN")


async def test_deactivation_ends_every_way_in_at_once(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    response = await _patch(client, admin, alice.id, is_active=False)

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert_envelope(await client.get(ME, headers=alice.headers), 401, "ACCOUNT_DISABLED")
    own = await client.get(f"{USERS}/{alice.id}", headers=alice.headers)
    assert_envelope(own, 401, "ACCOUNT_DISABLED")
    refreshed = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
    assert_envelope(refreshed, 401, "INVALID_REFRESH_TOKEN")
    signed_in = await client.post(LOGIN, json={"email": alice.email, "password": alice.password})
    assert_envelope(signed_in, 403, "ACCOUNT_DISABLED")


async def test_reactivation_lets_the_user_sign_in_again(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    await _patch(client, admin, alice.id, is_active=False)

    response = await _patch(client, admin, alice.id, is_active=True)

    assert response.json()["is_active"] is True
    pair = await login(client, alice.email)
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 200


async def test_one_change_per_request_so_none_is_half_applied(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    """Demoting and deactivating oneself at once would commit the first and refuse the
    second (no longer an admin): such a request is refused whole, before either."""
    other = await _second_admin(app, client)

    response = await _patch(client, other, other.id, role="user", is_active=False)

    assert_envelope(response, 422, "VALIDATION_ERROR")
    me = (await client.get(ME, headers=other.headers)).json()
    assert (me["role"], me["is_active"]) == ("admin", True)


@pytest.mark.parametrize(
    "change", [{"role": "user"}, {"is_active": False}], ids=["demoted", "deactivated"]
)
async def test_the_last_active_admin_stays_one(
    client: httpx.AsyncClient, admin: Account, change: dict[str, Any]
) -> None:
    response = await _patch(client, admin, admin.id, **change)

    assert_envelope(response, 409, "LAST_ACTIVE_ADMIN")
    assert (await client.get(ME, headers=admin.headers)).json()["role"] == "admin"


async def test_an_inactive_admin_does_not_count_as_another(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    other = await _second_admin(app, client)
    assert (await _patch(client, admin, other.id, is_active=False)).status_code == 200

    assert_envelope(await _patch(client, admin, admin.id, role="user"), 409, "LAST_ACTIVE_ADMIN")


async def test_with_two_admins_one_may_step_down(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    other = await _second_admin(app, client)

    response = await _patch(client, admin, admin.id, role="user")

    assert response.status_code == 200
    assert_envelope(await _patch(client, other, other.id, role="user"), 409, "LAST_ACTIVE_ADMIN")


async def test_two_admins_demoting_each_other_at_once_leave_one(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    other = await _second_admin(app, client)

    answers = await asyncio.gather(
        _patch(client, admin, other.id, role="user"), _patch(client, other, admin.id, role="user")
    )

    assert sorted(answer.status_code for answer in answers) in ([200, 403], [200, 409])
    admins = [
        user
        for account in (admin, other)
        if (user := (await client.get(ME, headers=account.headers)).json()).get("role") == "admin"
    ]
    assert len(admins) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"role": None}, "body"),
        ({"is_active": "false"}, "body.is_active"),
        ({"is_active": 0}, "body.is_active"),
        ({"role": "root"}, "body.role"),
        ({"role": "user", "is_activ": False}, "body.is_activ"),
    ],
    ids=["empty", "null", "string-bool", "number-bool", "unknown-role", "misspelt-field"],
)
async def test_a_change_that_names_nothing_valid_is_422(
    client: httpx.AsyncClient, admin: Account, alice: Account, body: dict[str, Any], field: str
) -> None:
    response = await client.patch(f"{USERS}/{alice.id}", json=body, headers=admin.headers)

    error = assert_envelope(response, 422, "VALIDATION_ERROR")
    assert [entry["field"] for entry in error["details"]["fields"]] == [field]


async def test_only_admins_change_accounts(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    assert_envelope(await _patch(client, alice, bob.id, is_active=False), 403, "FORBIDDEN")
    assert_envelope(await _patch(client, alice, alice.id, role="admin"), 403, "FORBIDDEN")
    assert (await client.get(ME, headers=bob.headers)).status_code == 200


async def test_changing_an_unknown_account_is_404(
    client: httpx.AsyncClient, admin: Account
) -> None:
    response = await _patch(client, admin, "00000000-0000-4000-8000-000000000000", role="user")

    assert_envelope(response, 404, "USER_NOT_FOUND")


async def test_a_change_is_logged_with_the_acting_admin(
    client: httpx.AsyncClient, admin: Account, alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        await _patch(client, admin, alice.id, is_active=False)
        await asyncio.sleep(0)  # the access log writes a turn's lines at the next one

    (line,) = [vars(record) for record in caplog.records if record.name == "app.access"]
    assert (line["method"], line["path"], line["status"]) == ("PATCH", f"{USERS}/{alice.id}", 200)
    assert line["user_id"] == admin.id
