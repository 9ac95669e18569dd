"""Races a real client can produce: parallel refreshes, parallel sign-ups, a login storm."""

import asyncio
import threading

import bcrypt
import httpx
import pytest

from app.infrastructure.config import Settings

from .helpers import (
    LOGIN,
    PASSWORD,
    REFRESH,
    REGISTER,
    Account,
    new_email,
    register,
    running_client,
)

PARALLEL = 10
GATE_TIMEOUT_SECONDS = 5.0


async def test_one_refresh_token_redeemed_in_parallel_succeeds_at_most_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(REFRESH, json={"refresh_token": alice.refresh_token})
            for _ in range(PARALLEL)
        )
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(200) <= 1, statuses
    assert set(statuses) <= {200, 401}, statuses
    for response in responses:
        if response.status_code == 401:
            assert response.json()["error"]["code"] == "INVALID_REFRESH_TOKEN"


async def test_parallel_registrations_of_one_email_give_one_201(client: httpx.AsyncClient) -> None:
    email = new_email("race")

    responses = await asyncio.gather(
        *(
            client.post(REGISTER, json={"email": email, "password": PASSWORD})
            for _ in range(PARALLEL)
        )
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (PARALLEL - 1), statuses
    for response in responses:
        if response.status_code == 409:
            assert set(response.json()["error"]) == {"code", "message", "details"}


async def test_parallel_registrations_of_different_emails_all_succeed(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(REGISTER, json={"email": new_email("many"), "password": PASSWORD})
            for _ in range(PARALLEL)
        )
    )

    assert [response.status_code for response in responses] == [201] * PARALLEL


async def test_health_answers_while_logins_are_being_verified(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bcrypt runs off the event loop: /health completes while logins are mid-verification.

    Ordering, not wall-clock time (speed targets belong in benchmarks): every bcrypt
    verification is held at a gate until /health has answered. Off the loop that only
    parks worker threads; on the loop it would freeze the service until the gate's
    safety timeout, which the test reports as a failure.
    """
    realistic = settings.model_copy(update={"bcrypt_rounds": 10, "login_rate_limit_per_minute": 0})
    verifying = threading.Event()
    gate = threading.Event()
    gate_timed_out = threading.Event()
    real_checkpw = bcrypt.checkpw

    def gated_checkpw(password: bytes, hashed_password: bytes) -> bool:
        verifying.set()
        if not gate.wait(timeout=GATE_TIMEOUT_SECONDS):
            gate_timed_out.set()
            gate.set()
        return real_checkpw(password, hashed_password)

    async with running_client(realistic) as client:
        user = await register(client)
        monkeypatch.setattr(bcrypt, "checkpw", gated_checkpw)
        logins = [
            asyncio.create_task(
                client.post(LOGIN, json={"email": user["email"], "password": PASSWORD})
            )
            for _ in range(8)
        ]
        for _ in range(1000):
            if verifying.is_set():
                break
            await asyncio.sleep(0.005)
        assert verifying.is_set(), "no login reached bcrypt"

        health = await client.get("/health")
        logins_done_when_health_answered = sum(task.done() for task in logins)
        gate.set()
        results = await asyncio.gather(*logins)

    assert not gate_timed_out.is_set(), "bcrypt blocked the event loop"
    assert health.status_code == 200
    assert logins_done_when_health_answered == 0
    assert [response.status_code for response in results] == [200] * 8
