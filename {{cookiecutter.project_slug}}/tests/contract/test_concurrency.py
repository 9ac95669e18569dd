"""Races a real client can produce: parallel refreshes, parallel sign-ups, a login storm.

On PostgreSQL every request of a race runs on its own pooled connection under
READ COMMITTED, which is where unlocked check-then-write sequences break.
"""

import asyncio
import threading

import bcrypt
import httpx
import pytest

from app.infrastructure.config import Settings

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    LOGOUT,
    PASSWORD,
    REFRESH,
    REGISTER,
    Account,
    assert_envelope,
    bearer,
    login,
    new_email,
    register,
    running_client,
    signed_up,
)

PARALLEL = 10
GATE_TIMEOUT_SECONDS = 5.0
POLL_ATTEMPTS = 1000
RACING_LOGINS = 8
REFRESH_LOGOUT_ROUNDS = 10
NEW_PASSWORD = "a brand new passphrase"
# Logins racing each other from one client: besides the per-address rate, the failure
# limit of an account and address counts every attempt still being verified.
UNTHROTTLED = {"login_rate_limit_per_minute": 0, "login_failures_per_account_and_address": 0}


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
    realistic = settings.model_copy(update={"bcrypt_rounds": 10, **UNTHROTTLED})
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


async def test_a_full_bcrypt_queue_answers_503_with_retry_after_never_500(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One hash may wait (BCRYPT_MAX_PENDING=1): the rest of a burst is refused at once.

    The first hash is held at a gate until every other registration has answered,
    so the outcome does not depend on how fast bcrypt is.
    """
    bounded = settings.model_copy(
        update={"bcrypt_max_pending": 1, "bcrypt_max_concurrency": 1, "bcrypt_rounds": 10}
    )
    gate = threading.Event()
    gate_timed_out = threading.Event()
    real_hashpw = bcrypt.hashpw

    def gated_hashpw(password: bytes, salt: bytes) -> bytes:
        if not gate.wait(timeout=GATE_TIMEOUT_SECONDS):
            gate_timed_out.set()
        return real_hashpw(password, salt)

    burst = 6
    async with running_client(bounded) as client:
        monkeypatch.setattr(bcrypt, "hashpw", gated_hashpw)
        registrations = [
            asyncio.create_task(
                client.post(REGISTER, json={"email": new_email("burst"), "password": PASSWORD})
            )
            for _ in range(burst)
        ]
        for _ in range(POLL_ATTEMPTS):
            if sum(task.done() for task in registrations) == burst - 1:
                break
            await asyncio.sleep(0.005)
        gate.set()
        responses = await asyncio.gather(*registrations)
        after_the_burst = await client.post(
            REGISTER, json={"email": new_email("after"), "password": PASSWORD}
        )

    assert not gate_timed_out.is_set(), "the other registrations never answered"
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [503] * (burst - 1), statuses
    for response in responses:
        if response.status_code == 503:
            error = assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
            assert int(response.headers["Retry-After"]) >= 1
            assert error["details"] == {"retry_after_seconds": int(response.headers["Retry-After"])}
    assert after_the_burst.status_code == 201, after_the_burst.text


async def test_no_login_with_the_old_password_survives_a_concurrent_password_change(
    settings: Settings,
) -> None:
    """Each login either fails or gets a refresh token the password change revokes."""
    unthrottled = settings.model_copy(update=UNTHROTTLED)
    async with running_client(unthrottled) as client:
        alice = await signed_up(client, "alice")
        old_password_logins = [
            client.post(LOGIN, json={"email": alice.email, "password": alice.password})
            for _ in range(RACING_LOGINS)
        ]
        change = client.post(
            CHANGE_PASSWORD,
            json={"current_password": alice.password, "new_password": NEW_PASSWORD},
            headers=alice.headers,
        )
        half = RACING_LOGINS // 2  # the change starts amid the logins
        responses = await asyncio.gather(
            *old_password_logins[:half], change, *old_password_logins[half:]
        )
        changed = responses[half]
        logins = responses[:half] + responses[half + 1 :]
        surviving = [
            await client.post(REFRESH, json={"refresh_token": response.json()["refresh_token"]})
            for response in logins
            if response.status_code == 200
        ]
        with_new_password = await login(client, alice.email, NEW_PASSWORD)

    assert changed.status_code == 204, changed.text
    for response in logins:
        assert response.status_code in (200, 401), response.text
        if response.status_code == 401:
            assert_envelope(response, 401, "INVALID_CREDENTIALS")
    for response in surviving:
        assert_envelope(response, 401, "INVALID_REFRESH_TOKEN")
    assert with_new_password["token_type"] == "bearer"


async def test_logins_that_verified_the_old_password_before_a_change_get_no_tokens(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst interleaving, forced: every login has verified the old password, then
    the change commits, then the logins go on to issue tokens; each must be refused."""
    roomy = settings.model_copy(
        update={
            **UNTHROTTLED,
            "bcrypt_max_concurrency": RACING_LOGINS + 1,  # one thread left for the change
            "bcrypt_max_pending": RACING_LOGINS + 2,
        }
    )
    held = 0
    counter = threading.Lock()
    all_verified = threading.Event()
    gate = threading.Event()
    gate_timed_out = threading.Event()
    real_checkpw = bcrypt.checkpw

    def checkpw_then_wait(password: bytes, hashed_password: bytes) -> bool:
        """The first RACING_LOGINS verifications finish, then wait at the gate."""
        nonlocal held
        matched = real_checkpw(password, hashed_password)
        with counter:
            hold = held < RACING_LOGINS
            if hold:
                held += 1
            if held == RACING_LOGINS:
                all_verified.set()
        if hold and not gate.wait(timeout=GATE_TIMEOUT_SECONDS):
            gate_timed_out.set()
        return matched

    async with running_client(roomy) as client:
        alice = await signed_up(client, "alice")
        monkeypatch.setattr(bcrypt, "checkpw", checkpw_then_wait)
        logins = [
            asyncio.create_task(
                client.post(LOGIN, json={"email": alice.email, "password": alice.password})
            )
            for _ in range(RACING_LOGINS)
        ]
        for _ in range(POLL_ATTEMPTS):
            if all_verified.is_set():
                break
            await asyncio.sleep(0.005)
        changed = await client.post(
            CHANGE_PASSWORD,
            json={"current_password": alice.password, "new_password": NEW_PASSWORD},
            headers=alice.headers,
        )
        gate.set()
        responses = await asyncio.gather(*logins)

    assert not gate_timed_out.is_set(), "the password change never completed"
    assert all_verified.is_set(), "the logins never reached bcrypt"
    assert changed.status_code == 204, changed.text
    for response in responses:
        assert_envelope(response, 401, "INVALID_CREDENTIALS")


async def test_refresh_racing_logout_of_the_same_token_leaves_no_live_token(
    settings: Settings,
) -> None:
    """Whichever wins, the family ends revoked: no token it ever minted still refreshes."""
    unthrottled = settings.model_copy(update={"login_rate_limit_per_minute": 0})
    async with running_client(unthrottled) as client:
        user = await register(client, new_email("race"))
        outcomes: list[tuple[httpx.Response, httpx.Response, list[httpx.Response]]] = []
        for _ in range(REFRESH_LOGOUT_ROUNDS):
            pair = await login(client, user["email"])
            refreshed, logged_out = await asyncio.gather(
                client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}),
                client.post(
                    LOGOUT,
                    json={"refresh_token": pair["refresh_token"]},
                    headers=bearer(pair["access_token"]),
                ),
            )
            family = [pair["refresh_token"]]
            if refreshed.status_code == 200:
                family.append(refreshed.json()["refresh_token"])
            afterwards = [
                await client.post(REFRESH, json={"refresh_token": token}) for token in family
            ]
            outcomes.append((refreshed, logged_out, afterwards))

    for refreshed, logged_out, afterwards in outcomes:
        assert logged_out.status_code == 204, logged_out.text
        assert refreshed.status_code in (200, 401), refreshed.text
        for response in afterwards:
            assert_envelope(response, 401, "INVALID_REFRESH_TOKEN")
