"""Login throttling by address bucket and by account, over HTTP from many client addresses.

The client address of each request is the one httpx.ASGITransport hands the app
(the ASGI scope's `client`), as a server would: no packet leaves the process.
Addresses are from the documentation ranges (RFC 5737, RFC 3849).
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.infrastructure.config import Settings

from .helpers import LOGIN, PASSWORD, assert_envelope, client_for, new_email, register, running_app

WRONG = "not the password"
PER_ADDRESS = 3  # LOGIN_RATE_LIMIT_PER_MINUTE in the address-bucket tests
CEILING = 20  # LOGIN_FAILURES_PER_ACCOUNT in the account tests
ATTACKERS = [f"203.0.113.{host}" for host in range(1, 41)]  # 40 addresses, one guess each
BURST = [f"192.0.2.{host}" for host in range(1, 61)]  # 60 addresses guessing at the same time
OWNER_HOME = "198.51.100.20"
OWNER_NEW_DEVICE = "198.51.100.21"
FRESH_ATTACKER = "192.0.2.99"
SIGN_UP_ADDRESS = "198.51.100.1"  # registering is not signing in: it makes no address known


@asynccontextmanager
async def _app(settings: Settings, **limits: int) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update=limits)) as app:
        yield app


async def _registered(app: FastAPI) -> str:
    async with client_for(app, SIGN_UP_ADDRESS) as client:
        email: str = (await register(client))["email"]
    return email


async def _login_from(
    app: FastAPI, address: str, email: str, password: str = WRONG
) -> httpx.Response:
    async with client_for(app, address) as client:
        return await client.post(LOGIN, json={"email": email, "password": password})


# --- address buckets: IPv6 by /64, IPv4-mapped as IPv4 --------------------------------------


@pytest.mark.parametrize(
    ("first", "rotated"),
    [
        pytest.param(
            [f"2001:db8:1:2::{n:x}" for n in range(1, PER_ADDRESS + 1)],
            "2001:db8:1:2:ffff:ffff:ffff:fffe",
            id="ipv6-rotating-within-one-64",
        ),
        pytest.param(
            ["203.0.113.7", "::ffff:203.0.113.7", "::ffff:cb00:7107"][:PER_ADDRESS],
            "203.0.113.7",
            id="ipv4-mapped-ipv6-is-the-ipv4-address",
        ),
    ],
)
async def test_addresses_of_one_bucket_share_the_login_limit(
    settings: Settings, first: list[str], rotated: str
) -> None:
    async with _app(settings, login_rate_limit_per_minute=PER_ADDRESS) as app:
        email = await _registered(app)
        spent = [(await _login_from(app, address, email)).status_code for address in first]
        blocked = await _login_from(app, rotated, email)

    assert spent == [401] * PER_ADDRESS
    assert_envelope(blocked, 429, "RATE_LIMITED")


async def test_ipv6_clients_in_other_64s_have_budgets_of_their_own(settings: Settings) -> None:
    async with _app(settings, login_rate_limit_per_minute=PER_ADDRESS) as app:
        email = new_email("nobody")
        for _ in range(PER_ADDRESS):
            await _login_from(app, "2001:db8:1:2::1", email)
        neighbours = [
            (await _login_from(app, address, email)).status_code
            for address in ("2001:db8:1:3::1", "2001:db8:2:2::1", "2001:db9:1:2::1")
        ]

    assert neighbours == [401, 401, 401]


# --- per account: guessing spread over many addresses ----------------------------------------


async def _spread_attack(app: FastAPI, email: str) -> list[httpx.Response]:
    return [await _login_from(app, address, email) for address in ATTACKERS]


def _outcome(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json()


@asynccontextmanager
async def _account_limits(settings: Settings) -> AsyncIterator[FastAPI]:
    async with _app(
        settings, login_failures_per_account=CEILING, login_failures_per_account_and_address=5
    ) as app:
        yield app


async def test_guesses_from_many_addresses_stop_at_the_account_ceiling(settings: Settings) -> None:
    """Even the right password, from an address new to the account, gets no verdict."""
    async with _account_limits(settings) as app:
        email = await _registered(app)
        guesses = await _spread_attack(app, email)
        right_password = await _login_from(app, FRESH_ATTACKER, email, PASSWORD)

    statuses = [response.status_code for response in guesses]
    assert statuses == [401] * CEILING + [429] * (len(ATTACKERS) - CEILING)
    assert_envelope(right_password, 429, "RATE_LIMITED")
    assert _outcome(right_password) == _outcome(guesses[-1])
    retry_after = int(right_password.headers["Retry-After"])
    assert 1 <= retry_after <= 15 * 60
    assert right_password.json()["error"]["details"] == {"retry_after_seconds": retry_after}


async def _burst(app: FastAPI, email: str, *also: Awaitable[httpx.Response]) -> list[int]:
    """One guess from each BURST address (and `also`), all sent before any is answered."""
    guesses = (_login_from(app, address, email) for address in BURST)
    responses = await asyncio.gather(*guesses, *also)
    return [response.status_code for response in responses]


async def test_simultaneous_guesses_stop_at_the_ceiling_for_any_email(settings: Settings) -> None:
    """Counted when admitted, not once verified: guesses in flight cannot all pass together."""
    async with _account_limits(settings) as app:
        against_existing = await _burst(app, await _registered(app))
        against_unknown = await _burst(app, new_email("nobody"))

    assert sorted(against_existing) == [401] * CEILING + [429] * (len(BURST) - CEILING)
    assert sorted(against_unknown) == sorted(against_existing)


async def test_the_owner_on_a_known_address_signs_in_during_a_burst_of_guesses(
    settings: Settings,
) -> None:
    async with _account_limits(settings) as app:
        email = await _registered(app)
        assert (await _login_from(app, OWNER_HOME, email, PASSWORD)).status_code == 200
        *guesses, at_home = await _burst(app, email, _login_from(app, OWNER_HOME, email, PASSWORD))

    assert at_home == 200
    assert sorted(guesses) == [401] * CEILING + [429] * (len(BURST) - CEILING)


async def test_an_unknown_email_is_throttled_exactly_like_an_existing_account(
    settings: Settings,
) -> None:
    async with _account_limits(settings) as app:
        existing = await _registered(app)
        against_existing = await _spread_attack(app, existing)
        against_unknown = await _spread_attack(app, new_email("nobody"))

    assert [_outcome(r) for r in against_unknown] == [_outcome(r) for r in against_existing]


async def test_the_owner_on_a_known_address_still_signs_in_during_the_attack(
    settings: Settings,
) -> None:
    async with _account_limits(settings) as app:
        email = await _registered(app)
        assert (await _login_from(app, OWNER_HOME, email, PASSWORD)).status_code == 200
        await _spread_attack(app, email)
        at_home = await _login_from(app, OWNER_HOME, email, PASSWORD)
        new_device = await _login_from(app, OWNER_NEW_DEVICE, email, PASSWORD)

    assert at_home.status_code == 200, at_home.text
    assert at_home.json()["token_type"] == "bearer"
    # The price of the ceiling: a place the owner never signed in from waits like the attacker.
    assert_envelope(new_device, 429, "RATE_LIMITED")


async def test_ipv6_guesses_from_other_64s_stop_at_the_ceiling(settings: Settings) -> None:
    async with _account_limits(settings) as app:
        email = new_email("nobody")
        statuses = [
            (await _login_from(app, f"2001:db8:{n:x}::1", email)).status_code
            for n in range(1, CEILING + 3)
        ]

    assert statuses == [401] * CEILING + [429, 429]


async def test_one_address_gets_a_few_failures_per_account_and_others_keep_theirs(
    settings: Settings,
) -> None:
    async with _app(
        settings, login_rate_limit_per_minute=0, login_failures_per_account_and_address=3
    ) as app:
        alice = await _registered(app)
        bob = await _registered(app)
        mistakes = [(await _login_from(app, OWNER_HOME, alice)).status_code for _ in range(3)]
        right_password = await _login_from(app, OWNER_HOME, alice, PASSWORD)
        other_account = await _login_from(app, OWNER_HOME, bob, PASSWORD)
        other_address = await _login_from(app, OWNER_NEW_DEVICE, alice, PASSWORD)

    assert mistakes == [401, 401, 401]
    assert_envelope(right_password, 429, "RATE_LIMITED")
    assert other_account.status_code == 200
    assert other_address.status_code == 200


async def test_spellings_of_one_email_share_its_failure_budget(settings: Settings) -> None:
    async with _app(
        settings, login_rate_limit_per_minute=0, login_failures_per_account_and_address=3
    ) as app:
        alice = await _registered(app)
        local, _, domain = alice.partition("@")
        spellings = [alice.upper(), f"  {alice}", f"{local}@{domain.upper()}."]
        mistakes = [(await _login_from(app, OWNER_HOME, email)).status_code for email in spellings]
        right_password = await _login_from(app, OWNER_HOME, alice, PASSWORD)

    assert mistakes == [401, 401, 401]
    assert_envelope(right_password, 429, "RATE_LIMITED")
