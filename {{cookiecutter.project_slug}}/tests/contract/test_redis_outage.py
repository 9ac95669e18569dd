"""With Redis out of reach, throttled routes fail closed (503) and the rest keeps working.

A limiter that waved every request through while its counters are gone is what
someone guessing passwords would wish for; so a route that needs a counter
answers 503 with Retry-After, within REDIS_TIMEOUT_SECONDS, and routes that
count nothing (health, reading a user) do not notice. Each test runs its own
redis-server, which it stops or freezes.
"""

import time
from collections.abc import Coroutine, Iterator
from typing import Any

import httpx
import pytest
import redis_server
from pydantic import SecretStr

from app.infrastructure.config import Settings

from .helpers import (
    LOGIN,
    REGISTER,
    USERS,
    Account,
    assert_envelope,
    client_for,
    listening_beside_the_app,
    new_email,
    running_app,
    signed_up,
)

TIMEOUT = 0.5
# The bound a frozen Redis is given up within, with room for a loaded machine.
ANSWERED_WITHIN_SECONDS = TIMEOUT + 4.5
WRONG = {"password": "not the password"}
NEW_PASSWORD = "a long new password"


@pytest.fixture
def own_redis() -> Iterator[redis_server.RedisServer]:
    try:
        server = redis_server.start_server()
    except redis_server.RedisServerUnavailableError as error:
        redis_server.no_redis(f"no redis-server to stop and freeze: {error}")
    try:
        yield server
    finally:
        redis_server.remove_server(server)


def _on(settings: Settings, url: str, **changes: Any) -> Settings:
    return settings.model_copy(
        update={
            "redis_url": SecretStr(url),
            "redis_timeout_seconds": TIMEOUT,
            "register_rate_limit_per_minute": 5,
            **changes,
        }
    )


def _assert_fails_closed(response: httpx.Response, *hidden: str) -> None:
    error = assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
    assert response.headers["Retry-After"] == "1"
    assert error["details"] == {"retry_after_seconds": 1}
    for text in ("redis", "Redis", "127.0.0.1", *hidden):
        assert text not in response.text


async def _throttled_requests(client: httpx.AsyncClient) -> list[httpx.Response]:
    return [
        await client.post(LOGIN, json={"email": new_email(), **WRONG}),
        await client.post(REGISTER, json={"email": new_email(), "password": NEW_PASSWORD}),
    ]


async def test_throttled_routes_answer_503_once_redis_is_stopped_and_the_rest_still_works(
    settings: Settings, own_redis: redis_server.RedisServer
) -> None:
    async with running_app(_on(settings, own_redis.url)) as app, client_for(app) as client:
        alice: Account = await signed_up(client, "alice")  # counted in Redis while it is up

        redis_server.stop_process(own_redis)

        for response in await _throttled_requests(client):
            _assert_fails_closed(response, str(own_redis.port))
        assert (await client.get("/health")).status_code == 200
        user = await client.get(f"{USERS}/{alice.id}", headers=alice.headers)
        assert user.status_code == 200, user.text
        ready = await client.get("/health/ready")
        # Degraded, not unready: every instance shares this Redis, and a load balancer
        # that dropped them all would fail the requests that still work too.
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"
        assert ready.json()["dependencies"]["redis"] == "failed"


@pytest.mark.parametrize(
    "limits",
    [
        {},
        # With the per-address limit off, the login throttle's own counters still need Redis.
        {"login_rate_limit_per_minute": 0},
    ],
    ids=["rate-limit-stage", "login-throttle"],
)
async def test_a_redis_nobody_listens_on_fails_logins_closed(
    settings: Settings, limits: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-Redis-Passw0rd"
    nowhere = f"redis://:{secret}@127.0.0.1:{redis_server.free_port()}/0"
    async with running_app(_on(settings, nowhere, **limits)) as app, client_for(app) as client:
        with listening_beside_the_app(caplog):
            response = await client.post(LOGIN, json={"email": new_email(), **WRONG})

        _assert_fails_closed(response)
        assert (await client.get("/health")).status_code == 200
    # One warning line per failed request, not a traceback each: an outage fills no disk.
    assert [r.exc_info for r in caplog.records if r.exc_info] == []
    unavailable = [r for r in caplog.records if r.getMessage().startswith("dependency unavailable")]
    assert [r.levelname for r in unavailable] == ["WARNING"]
    # The line says what failed and why (connection refused), not only an error class.
    assert "Redis failed: ConnectionError" in unavailable[0].getMessage()
    assert secret not in caplog.text


async def test_a_frozen_redis_is_given_up_within_its_timeout_and_used_again_once_it_thaws(
    settings: Settings, own_redis: redis_server.RedisServer
) -> None:
    async with running_app(_on(settings, own_redis.url)) as app, client_for(app) as client:
        before = await client.post(LOGIN, json={"email": new_email(), **WRONG})
        assert before.status_code == 401  # pooled connections exist: they are what hangs

        with redis_server.frozen(own_redis):
            timed = [await _timed(request) for request in _frozen_requests(client)]

        for response, seconds in timed:
            assert seconds < ANSWERED_WITHIN_SECONDS, response.request.url
        login, register, ready = (response for response, _ in timed)
        _assert_fails_closed(login)
        _assert_fails_closed(register)
        assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
        assert ready.json()["dependencies"]["redis"] == "failed"

        after = await client.post(LOGIN, json={"email": new_email(), **WRONG})
        assert after.status_code == 401, after.text
        assert (await client.get("/health/ready")).json()["status"] == "ready"


def _frozen_requests(client: httpx.AsyncClient) -> list[Coroutine[Any, Any, httpx.Response]]:
    return [
        client.post(LOGIN, json={"email": new_email(), **WRONG}),
        client.post(REGISTER, json={"email": new_email(), "password": NEW_PASSWORD}),
        client.get("/health/ready"),
    ]


async def _timed(
    request: Coroutine[Any, Any, httpx.Response],
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started
