"""A user's sessions (their logins that can still refresh): listed, and ended one at a
time, all but the current one, by an admin, or past a cap on how many one may hold."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sql_statements import execute_sql

from app.infrastructure.config import Settings
from app.infrastructure.db.column_types import timestamp

from .helpers import (
    LOGIN,
    PASSWORD,
    REFRESH,
    USERS,
    Account,
    assert_envelope,
    bearer,
    running_client,
    signed_up,
)

SESSIONS = "/api/v1/auth/sessions"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


async def sign_in(client: httpx.AsyncClient, account: Account, agent: str) -> dict[str, Any]:
    response = await client.post(
        LOGIN,
        json={"email": account.email, "password": PASSWORD},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sessions(client: httpx.AsyncClient, access_token: str) -> list[dict[str, Any]]:
    response = await client.get(SESSIONS, headers=bearer(access_token))
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["sessions"]
    return listed


async def refreshes(client: httpx.AsyncClient, refresh_token: str) -> bool:
    response = await client.post(REFRESH, json={"refresh_token": refresh_token})
    return response.status_code == 200


async def test_a_user_sees_each_login_with_its_client_and_which_one_is_theirs(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    phone = await sign_in(client, alice, PHONE)
    laptop = await sign_in(client, alice, LAPTOP)

    listed = await sessions(client, laptop["access_token"])

    assert [(item["client"], item["current"]) for item in listed] == [
        (LAPTOP, True),
        (PHONE, False),
        ("python-httpx/" + httpx.__version__, False),  # the fixture's own login
    ]
    for item in listed:
        assert item["started_at"] <= item["last_used_at"]
    assert phone["refresh_token"] not in str(listed)
    [bobs] = await sessions(client, bob.access_token)  # nobody else's sessions are listed
    assert bobs["id"] not in {item["id"] for item in listed}


async def test_a_refresh_keeps_the_session_and_moves_its_last_use(
    client: httpx.AsyncClient, alice: Account
) -> None:
    [before] = await sessions(client, alice.access_token)
    response = await client.post(
        REFRESH, json={"refresh_token": alice.refresh_token}, headers={"User-Agent": PHONE}
    )
    rotated = response.json()

    [after] = await sessions(client, rotated["access_token"])
    assert (after["id"], after["started_at"]) == (before["id"], before["started_at"])
    assert after["last_used_at"] > before["last_used_at"]
    assert (after["client"], after["current"]) == (PHONE, True)


async def test_ending_one_session_signs_out_that_login_only(
    client: httpx.AsyncClient, alice: Account
) -> None:
    phone = await sign_in(client, alice, PHONE)
    [phone_session] = [
        item for item in await sessions(client, alice.access_token) if item["client"] == PHONE
    ]

    ended = await client.delete(f"{SESSIONS}/{phone_session['id']}", headers=alice.headers)

    assert ended.status_code == 204, ended.text
    assert not await refreshes(client, phone["refresh_token"])
    assert await refreshes(client, alice.refresh_token)
    again = await client.delete(f"{SESSIONS}/{phone_session['id']}", headers=alice.headers)
    assert_envelope(again, 404, "SESSION_NOT_FOUND")


async def test_someone_elses_session_cannot_be_ended_or_seen(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    [bobs] = await sessions(client, bob.access_token)

    response = await client.delete(f"{SESSIONS}/{bobs['id']}", headers=alice.headers)

    assert_envelope(response, 404, "SESSION_NOT_FOUND")  # as for an id that never existed
    assert await refreshes(client, bob.refresh_token)


async def test_ending_the_other_sessions_keeps_this_one(
    client: httpx.AsyncClient, alice: Account
) -> None:
    phone = await sign_in(client, alice, PHONE)
    laptop = await sign_in(client, alice, LAPTOP)

    response = await client.delete(SESSIONS, headers=bearer(laptop["access_token"]))

    assert response.status_code == 204, response.text
    assert not await refreshes(client, phone["refresh_token"])
    assert not await refreshes(client, alice.refresh_token)
    assert [item["client"] for item in await sessions(client, laptop["access_token"])] == [LAPTOP]
    assert await refreshes(client, laptop["refresh_token"])


async def test_an_admin_ends_every_session_of_an_account(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    phone = await sign_in(client, alice, PHONE)

    refused = await client.delete(f"{USERS}/{alice.id}/sessions", headers=bob.headers)
    ended = await client.delete(f"{USERS}/{alice.id}/sessions", headers=admin.headers)
    unknown = await client.delete(f"{USERS}/{uuid.uuid4()}/sessions", headers=admin.headers)

    assert_envelope(refused, 403, "FORBIDDEN")
    assert ended.status_code == 204, ended.text
    assert_envelope(unknown, 404, "USER_NOT_FOUND")
    assert not await refreshes(client, phone["refresh_token"])
    assert not await refreshes(client, alice.refresh_token)
    assert await refreshes(client, bob.refresh_token)


async def test_a_login_past_the_cap_ends_the_oldest_session(settings: Settings) -> None:
    capped = settings.model_copy(update={"max_sessions_per_user": 2})
    async with running_client(capped) as client:
        carol = await signed_up(client, "carol")  # the first session
        phone = await sign_in(client, carol, PHONE)
        laptop = await sign_in(client, carol, LAPTOP)

        assert not await refreshes(client, carol.refresh_token)
        listed = await sessions(client, laptop["access_token"])
        assert [item["client"] for item in listed] == [LAPTOP, PHONE]
        assert await refreshes(client, phone["refresh_token"])


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        pytest.param("curl/8.5.0", "curl/8.5.0", id="plain"),
        pytest.param("evil\u0000\u001b[31mred\u2028line", "evil [31mred line", id="control"),
        pytest.param("x" * 5_000, "x" * 120, id="long"),
        pytest.param("", "", id="none"),
    ],
)
async def test_the_client_is_shown_short_and_printable(
    client: httpx.AsyncClient, alice: Account, agent: str, shown: str
) -> None:
    response = await client.post(
        LOGIN,
        json={"email": alice.email, "password": PASSWORD},
        headers={b"User-Agent": agent.encode()},
    )
    token = response.json()["access_token"]

    [current] = [item for item in await sessions(client, token) if item["current"]]
    assert current["client"] == shown


async def test_sessions_need_a_valid_access_token(client: httpx.AsyncClient) -> None:
    assert_envelope(await client.get(SESSIONS), 401, "MISSING_TOKEN")
    assert_envelope(await client.delete(SESSIONS), 401, "MISSING_TOKEN")
    assert_envelope(await client.delete(f"{SESSIONS}/{uuid.uuid4()}"), 401, "MISSING_TOKEN")


async def test_an_ended_sessions_access_token_can_no_longer_manage_sessions(
    client: httpx.AsyncClient, alice: Account
) -> None:
    phone = await sign_in(client, alice, PHONE)
    ended = await client.delete(SESSIONS, headers=bearer(phone["access_token"]))
    assert ended.status_code == 204, ended.text

    # alice's first session ended: its access token, still unexpired, may not end the phone's.
    for response in (
        await client.get(SESSIONS, headers=alice.headers),
        await client.delete(SESSIONS, headers=alice.headers),
        await client.delete(f"{SESSIONS}/{uuid.uuid4()}", headers=alice.headers),
    ):
        assert_envelope(response, 401, "SESSION_ENDED")
    assert await refreshes(client, phone["refresh_token"])


async def test_the_cap_keeps_the_new_login_whatever_the_others_started_at(
    settings: Settings, database_url: str
) -> None:
    capped = settings.model_copy(update={"max_sessions_per_user": 2})
    async with running_client(capped) as client:
        carol = await signed_up(client, "carol")
        await sign_in(client, carol, PHONE)
        # As a clock stepped back would leave them: both older sessions look newer.
        tomorrow = timestamp(datetime.now(UTC) + timedelta(days=1))
        execute_sql(
            database_url, "UPDATE refresh_tokens SET session_started_at = :at", {"at": tomorrow}
        )

        laptop = await sign_in(client, carol, LAPTOP)

        listed = await sessions(client, laptop["access_token"])
        assert len(listed) == 2  # one of the two older ones ended
        assert [item["client"] for item in listed if item["current"]] == [LAPTOP]
        assert await refreshes(client, laptop["refresh_token"])
