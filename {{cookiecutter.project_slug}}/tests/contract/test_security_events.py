"""The security event log (app.security): one event per sign-in, refresh, logout, password
change, refusal and admin action, naming the account without ever holding a secret."""

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.application.services.token_service import hash_refresh_token
from app.infrastructure.config import Settings
from app.infrastructure.logging import JsonFormatter
from app.infrastructure.logging_security_log import LoggingSecurityLog

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    LOGOUT,
    PASSWORD,
    REFRESH,
    REGISTER,
    USERS,
    Account,
    access_token,
    assert_envelope,
    bearer,
    listening_beside_the_app,
    login,
    new_email,
    running_client,
    signed_up,
)

SECURITY_LOGGER = "app.security"
ACCESS_LOGGER = "app.access"
SESSIONS = "/api/v1/auth/sessions"
NEW_PASSWORD = "another horse battery"


class Captured:
    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def lines(self, logger: str = SECURITY_LOGGER) -> list[dict[str, Any]]:
        """The records of `logger`, rendered as the service writes them to stdout."""
        formatter = JsonFormatter()
        return [
            json.loads(formatter.format(record))
            for record in self._caplog.records
            if record.name == logger
        ]

    def events(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == SECURITY_LOGGER]

    def only(self, event: str) -> dict[str, Any]:
        found = [line for line in self.events() if line["event"] == event]
        assert len(found) == 1, self.events()
        return found[0]

    def clear(self) -> None:
        self._caplog.clear()


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[Captured]:
    with (
        caplog.at_level(logging.INFO, logger=SECURITY_LOGGER),
        caplog.at_level(logging.INFO, logger=ACCESS_LOGGER),
    ):
        yield Captured(caplog)


async def test_a_sign_in_names_the_account_the_request_and_the_client(
    client: httpx.AsyncClient, alice: Account, captured: Captured
) -> None:
    captured.clear()
    response = await client.post(LOGIN, json={"email": alice.email, "password": PASSWORD})

    line = captured.only("login.succeeded")
    assert (line["level"], line["user_id"]) == ("INFO", alice.id)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["client"] == "127.0.0.1"


async def test_a_wrong_password_names_the_account_and_why(
    client: httpx.AsyncClient, alice: Account, captured: Captured
) -> None:
    response = await client.post(LOGIN, json={"email": alice.email, "password": "not it"})

    assert_envelope(response, 401, "INVALID_CREDENTIALS")
    line = captured.only("login.failed")
    assert (line["user_id"], line["reason"]) == (alice.id, "wrong_password")


async def test_an_unknown_address_is_logged_as_a_keyed_hash_that_follows_it(
    client: httpx.AsyncClient, captured: Captured
) -> None:
    guessed, other = new_email("nobody"), new_email("nobody")
    for email in (guessed, guessed.upper(), other):
        await client.post(LOGIN, json={"email": email, "password": PASSWORD})

    lines = [line for line in captured.events() if line["event"] == "login.failed"]
    accounts = [line["account"] for line in lines]
    assert [line["reason"] for line in lines] == ["unknown_account"] * 3
    assert all(
        account.startswith("email:") and "user_id" not in line
        for account, line in zip(accounts, lines, strict=True)
    )
    assert accounts[0] == accounts[1] != accounts[2]  # the same address, however spelled
    assert guessed.split("@")[0] not in json.dumps(lines)


async def test_a_deactivated_account_signing_in_is_logged_as_such(
    client: httpx.AsyncClient, alice: Account, admin: Account, captured: Captured
) -> None:
    deactivated = await client.patch(
        f"{USERS}/{alice.id}", json={"is_active": False}, headers=admin.headers
    )
    assert deactivated.status_code == 200, deactivated.text

    await client.post(LOGIN, json={"email": alice.email, "password": PASSWORD})

    assert captured.only("login.failed")["reason"] == "account_disabled"
    action = captured.only("admin.action")
    assert (action["user_id"], action["action"]) == (admin.id, "change_user_status")
    assert (action["target_user_id"], action["is_active"]) == (alice.id, False)


async def test_a_refresh_names_the_account_and_its_session(
    client: httpx.AsyncClient, alice: Account, captured: Captured
) -> None:
    response = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
    assert response.status_code == 200, response.text

    line = captured.only("token.refreshed")
    assert line["user_id"] == alice.id
    assert line["session_id"]


async def test_an_unknown_refresh_token_is_refused_and_logged(
    client: httpx.AsyncClient, captured: Captured
) -> None:
    await client.post(REFRESH, json={"refresh_token": "never-issued-token"})

    line = captured.only("token.refresh_refused")
    assert line["reason"] == "unknown_token"
    assert "never-issued-token" not in json.dumps(line)


async def test_a_reused_refresh_token_is_a_warning_and_its_session_is_revoked(
    client: httpx.AsyncClient, alice: Account, captured: Captured
) -> None:
    first = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
    replayed = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})
    later = await client.post(REFRESH, json={"refresh_token": first.json()["refresh_token"]})

    assert_envelope(replayed, 401, "INVALID_REFRESH_TOKEN")
    assert_envelope(later, 401, "INVALID_REFRESH_TOKEN")  # the whole session ended
    line = captured.only("token.reuse_detected")
    session = captured.only("token.refreshed")["session_id"]
    assert (line["level"], line["user_id"], line["session_id"]) == ("WARNING", alice.id, session)
    # The rotated token the replay revoked: its own client, late, not a second replay.
    late = captured.only("token.refresh_refused")
    assert (late["level"], late["reason"], late["session_id"]) == (
        "INFO",
        "session_revoked",
        session,
    )


async def test_a_logout_names_the_session_it_ended(
    client: httpx.AsyncClient, alice: Account, captured: Captured
) -> None:
    response = await client.post(
        LOGOUT, json={"refresh_token": alice.refresh_token}, headers=alice.headers
    )
    assert response.status_code == 204, response.text

    line = captured.only("logout.succeeded")
    assert line["user_id"] == alice.id
    assert line["session_id"]


async def test_a_logout_with_someone_elses_token_is_a_warning_naming_the_caller_only(
    client: httpx.AsyncClient, alice: Account, bob: Account, captured: Captured
) -> None:
    await client.post(LOGOUT, json={"refresh_token": bob.refresh_token}, headers=alice.headers)

    line = captured.only("logout.foreign_token")
    assert (line["level"], line["user_id"]) == ("WARNING", alice.id)
    assert bob.id not in json.dumps(captured.events())


async def test_a_password_change_and_a_wrong_current_password_are_logged(
    client: httpx.AsyncClient, alice: Account, captured: Captured
) -> None:
    wrong = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": "not the password", "new_password": NEW_PASSWORD},
        headers=alice.headers,
    )
    assert_envelope(wrong, 403, "INVALID_CURRENT_PASSWORD")
    changed = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=alice.headers,
    )
    assert changed.status_code == 204, changed.text

    failed = captured.only("password.change_failed")
    assert (failed["user_id"], failed["reason"]) == (alice.id, "wrong_current_password")
    assert captured.only("password.changed")["user_id"] == alice.id
    assert [line for line in captured.events() if line["event"] == "authorization.refused"] == []


async def test_an_authorization_refusal_names_the_caller_in_both_logs(
    client: httpx.AsyncClient, alice: Account, captured: Captured
) -> None:
    response = await client.get(USERS, headers=alice.headers)
    await asyncio.sleep(0)  # the access log writes a turn's lines at the start of the next

    assert_envelope(response, 403, "FORBIDDEN")
    refused = captured.only("authorization.refused")
    assert (refused["user_id"], refused["action"]) == (alice.id, "list_users")
    [access] = captured.lines(ACCESS_LOGGER)
    assert (access["status"], access["user_id"]) == (403, alice.id)


async def test_admin_actions_are_each_logged_with_the_admin(
    client: httpx.AsyncClient, alice: Account, admin: Account, captured: Captured
) -> None:
    created = await client.post(
        USERS, json={"email": new_email(), "password": PASSWORD}, headers=admin.headers
    )
    await client.patch(f"{USERS}/{alice.id}", json={"role": "admin"}, headers=admin.headers)
    await client.get(USERS, headers=admin.headers)
    await client.get(f"{USERS}/{alice.id}", headers=admin.headers)
    await client.get(f"{USERS}/me", headers=admin.headers)  # one's own account: no admin act

    actions = [line for line in captured.events() if line["event"] == "admin.action"]
    assert created.status_code == 201, created.text
    assert [(line["action"], line["user_id"]) for line in actions] == [
        ("create_user", admin.id),
        ("change_user_role", admin.id),
        ("list_users", admin.id),
        ("get_user", admin.id),
    ]
    assert (actions[1]["target_user_id"], actions[1]["role"]) == (alice.id, "admin")


async def test_a_rate_limit_refusal_is_logged_and_names_the_authenticated_caller(
    settings: Settings, caplog: pytest.LogCaptureFixture, captured: Captured
) -> None:
    limited = settings.model_copy(update={"password_change_rate_limit_per_minute": 1})
    async with running_client(limited) as client:
        with listening_beside_the_app(caplog):
            carol = await signed_up(client, "carol")
            body = {"current_password": "not the password", "new_password": NEW_PASSWORD}
            for _ in range(2):
                response = await client.post(CHANGE_PASSWORD, json=body, headers=carol.headers)
            await asyncio.sleep(0)

    assert_envelope(response, 429, "RATE_LIMITED")
    line = captured.only("rate_limit.refused")
    assert (line["user_id"], line["action"], line["limit"]) == (
        carol.id,
        "change_password",
        "rate_limit",
    )
    access = [line for line in captured.lines(ACCESS_LOGGER) if line["status"] == 429]
    assert [line["user_id"] for line in access] == [carol.id]


async def test_no_event_holds_a_password_token_hash_or_address(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger=SECURITY_LOGGER):
        carol = await signed_up(client, "carol")
        await client.post(LOGIN, json={"email": carol.email, "password": "a wrong password"})
        pair = await login(client, carol.email)
        await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
        await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
        await client.post(
            CHANGE_PASSWORD,
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(carol.access_token),
        )
    records = [vars(record) for record in caplog.records if record.name == SECURITY_LOGGER]
    text = repr(records)

    assert len(records) >= 6
    for secret in (PASSWORD, NEW_PASSWORD, "a wrong password", carol.email):
        assert secret not in text
    for token in (carol.access_token, carol.refresh_token, pair["refresh_token"]):
        assert token not in text
        assert hash_refresh_token(token) not in text
    assert "$2b$" not in text


async def test_a_registration_names_the_new_account(
    client: httpx.AsyncClient, captured: Captured
) -> None:
    response = await client.post(REGISTER, json={"email": new_email(), "password": PASSWORD})

    assert captured.only("account.registered")["user_id"] == response.json()["id"]


async def test_an_admin_creating_an_account_names_it(
    client: httpx.AsyncClient, admin: Account, captured: Captured
) -> None:
    response = await client.post(
        USERS, json={"email": new_email(), "password": PASSWORD}, headers=admin.headers
    )

    line = captured.only("admin.action")
    assert (line["user_id"], line["action"], line["role"]) == (admin.id, "create_user", "user")
    assert line["target_user_id"] == response.json()["id"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        pytest.param({"Authorization": "Bearer not.a.token"}, "INVALID_TOKEN", id="forged"),
        pytest.param(None, "TOKEN_EXPIRED", id="expired"),
    ],
)
async def test_a_refused_access_token_is_logged(
    client: httpx.AsyncClient,
    settings: Settings,
    captured: Captured,
    headers: dict[str, str] | None,
    code: str,
) -> None:
    long_ago = int(time.time()) - 3600
    expired = access_token(settings, str(uuid.uuid4()), iat=long_ago, exp=long_ago + 60)
    sent = headers or bearer(expired)
    response = await client.get(f"{USERS}/me", headers=sent)

    assert_envelope(response, 401, code)
    assert captured.only("access_token.refused")["code"] == code


async def test_a_valid_token_of_a_deactivated_account_is_logged_with_the_account(
    client: httpx.AsyncClient, alice: Account, admin: Account, captured: Captured
) -> None:
    await client.patch(f"{USERS}/{alice.id}", json={"is_active": False}, headers=admin.headers)

    response = await client.get(f"{USERS}/me", headers=alice.headers)

    assert_envelope(response, 401, "ACCOUNT_DISABLED")
    line = captured.only("access_token.refused")
    assert (line["user_id"], line["code"]) == (alice.id, "ACCOUNT_DISABLED")


async def test_a_throttled_sign_in_hashes_the_address_as_the_account_stores_it(
    settings: Settings, caplog: pytest.LogCaptureFixture, captured: Captured
) -> None:
    throttled = settings.model_copy(update={"login_failures_per_account_and_address": 1})
    async with running_client(throttled) as client:
        with listening_beside_the_app(caplog):
            carol = await signed_up(client, "carol")
            typed = ["".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in carol.email)]
            for email in [carol.email, *typed]:
                await client.post(LOGIN, json={"email": email, "password": "not it"})

    [refused] = [line for line in captured.events() if line["event"] == "rate_limit.refused"]
    assert (refused["action"], refused["limit"]) == ("login_user", "throttle")
    security_log = LoggingSecurityLog(throttled.jwt_secret_key.get_secret_value().encode())
    assert refused["account"] == security_log.account_of(carol.email)


async def test_ending_sessions_is_logged_by_whoever_ended_them(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account, captured: Captured
) -> None:
    [session] = (await client.get(SESSIONS, headers=alice.headers)).json()["sessions"]
    await client.delete(f"{SESSIONS}/{session['id']}", headers=alice.headers)
    await client.delete(SESSIONS, headers=bob.headers)
    await client.delete(f"{USERS}/{alice.id}/sessions", headers=admin.headers)

    ended = captured.only("session.ended")
    assert (ended["user_id"], ended["session_id"]) == (alice.id, session["id"])
    assert ended["by_session_id"] == session["id"]  # she ended the session she was in
    assert captured.only("session.ended_others")["user_id"] == bob.id
    action = captured.only("admin.action")
    assert (action["user_id"], action["action"]) == (admin.id, "end_user_sessions")
    assert action["target_user_id"] == alice.id


async def test_naming_someone_elses_session_is_logged_as_refused(
    client: httpx.AsyncClient, alice: Account, bob: Account, captured: Captured
) -> None:
    [bobs] = (await client.get(SESSIONS, headers=bob.headers)).json()["sessions"]

    response = await client.delete(f"{SESSIONS}/{bobs['id']}", headers=alice.headers)

    assert_envelope(response, 404, "SESSION_NOT_FOUND")
    refused = captured.only("session.end_refused")
    assert (refused["user_id"], refused["session_id"]) == (alice.id, bobs["id"])
