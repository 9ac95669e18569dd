"""Refresh and logout are throttled: per client address for tokens that do not work,
per session for those that do, per user for logouts (real HTTP, one app per test)."""

import httpx
from fastapi import FastAPI

from app.infrastructure.config import Settings

from .helpers import LOGOUT, REFRESH, Account, assert_envelope, client_for, running_app, signed_up

GUESSER = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"
LIMIT = 3


async def _refresh(app: FastAPI, token: str, address: str = GUESSER) -> httpx.Response:
    async with client_for(app, address) as client:
        return await client.post(REFRESH, json={"refresh_token": token})


def _throttled(response: httpx.Response) -> None:
    assert_envelope(response, 429, "RATE_LIMITED")
    assert response.json()["error"]["message"] == "Too many refreshes; try again later"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_unknown_tokens_from_one_address_meet_a_429_that_others_do_not(
    settings: Settings,
) -> None:
    limited = settings.model_copy(update={"refresh_failures_per_address_per_minute": LIMIT})
    async with running_app(limited) as app:
        async with client_for(app) as client:
            alice = await signed_up(client, "alice")
        guesses = [await _refresh(app, f"guess-{n}") for n in range(LIMIT + 1)]
        # Refused before the lookup: even a working token from this address waits.
        own_token = await _refresh(app, alice.refresh_token)
        neighbour = await _refresh(app, "guess-x", NEIGHBOUR)

    for response in guesses[:LIMIT]:
        assert_envelope(response, 401, "INVALID_REFRESH_TOKEN")
    _throttled(guesses[LIMIT])
    _throttled(own_token)
    assert_envelope(neighbour, 401, "INVALID_REFRESH_TOKEN")


async def test_tokens_that_work_give_back_their_place(settings: Settings) -> None:
    limited = settings.model_copy(update={"refresh_failures_per_address_per_minute": LIMIT})
    async with running_app(limited) as app:
        async with client_for(app) as client:
            accounts = [await signed_up(client, f"user{n}") for n in range(LIMIT + 2)]
        for _ in range(LIMIT - 1):
            assert (await _refresh(app, "a-guess")).status_code == 401
        # One place is left, and each working refresh gives it back.
        answers = [await _refresh(app, account.refresh_token) for account in accounts]

    assert [answer.status_code for answer in answers] == [200] * len(accounts)


async def test_one_session_refreshes_only_so_often(settings: Settings) -> None:
    limited = settings.model_copy(update={"refreshes_per_session_per_minute": LIMIT})
    async with running_app(limited) as app:
        async with client_for(app) as client:
            alice = await signed_up(client, "alice")
            bob = await signed_up(client, "bob")
        token = alice.refresh_token
        for _ in range(LIMIT):
            response = await _refresh(app, token)
            assert response.status_code == 200, response.text
            token = response.json()["refresh_token"]
        refused = await _refresh(app, token)
        other_session = await _refresh(app, bob.refresh_token)

    _throttled(refused)
    assert other_session.status_code == 200


async def test_replays_of_a_revoked_session_meet_the_session_limit(settings: Settings) -> None:
    limited = settings.model_copy(update={"refreshes_per_session_per_minute": LIMIT})
    async with running_app(limited) as app:
        async with client_for(app) as client:
            alice = await signed_up(client, "alice")
        answers = [await _refresh(app, alice.refresh_token) for _ in range(LIMIT + 1)]

    assert answers[0].status_code == 200
    for replay in answers[1:LIMIT]:
        assert_envelope(replay, 401, "INVALID_REFRESH_TOKEN")
    _throttled(answers[LIMIT])


async def test_logouts_are_limited_per_user(settings: Settings) -> None:
    limited = settings.model_copy(update={"logout_rate_limit_per_minute": LIMIT})
    async with running_app(limited) as app, client_for(app) as client:
        alice = await signed_up(client, "alice")
        bob = await signed_up(client, "bob")

        async def logout(account: Account, token: str) -> httpx.Response:
            body = {"refresh_token": token}
            return await client.post(LOGOUT, json=body, headers=account.headers)

        answers = [await logout(alice, f"not-a-token-{n}") for n in range(LIMIT + 1)]
        bobs = await logout(bob, bob.refresh_token)

    assert [answer.status_code for answer in answers[:LIMIT]] == [204] * LIMIT
    assert_envelope(answers[LIMIT], 429, "RATE_LIMITED")
    assert bobs.status_code == 204
