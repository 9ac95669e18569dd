"""With METRICS_PORT set, each 429 and each handler call is counted under its own labels.

The counts are read from this process's registry, the one /metrics serves in a single
worker (tests/server/test_metrics.py scrapes it over HTTP from running servers).
"""

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import REGISTRY

from app.infrastructure.config import Settings

from .helpers import LOGIN, REGISTER, USERS, bearer, login, new_email, register, running_client


def _count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def metered(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    limits = {
        "metrics_port": 9100,  # never bound here: only `serve` starts the endpoint
        "register_rate_limit_per_minute": 1,
        "login_rate_limit_per_minute": 0,
        "login_failures_per_account_and_address": 1,
    }
    async with running_client(settings.model_copy(update=limits)) as client:
        yield client


async def test_each_limit_counts_its_own_refusals(metered: httpx.AsyncClient) -> None:
    register_before = _count("rate_limit_rejections_total", limit="register")
    login_before = _count(
        "rate_limit_rejections_total", limit="login_failures_per_account_and_address"
    )

    email = (await register(metered))["email"]
    refused_sign_up = await metered.post(
        REGISTER, json={"email": new_email(), "password": "x" * 12}
    )
    wrong = {"email": email, "password": "not the password"}
    guesses = [(await metered.post(LOGIN, json=wrong)).status_code for _ in range(2)]

    assert (refused_sign_up.status_code, guesses) == (429, [401, 429])
    assert _count("rate_limit_rejections_total", limit="register") == register_before + 1
    assert (
        _count("rate_limit_rejections_total", limit="login_failures_per_account_and_address")
        == login_before + 1
    )


async def test_each_handler_call_is_counted_by_kind_message_and_outcome(
    metered: httpx.AsyncClient,
) -> None:
    labels = {"kind": "query", "message_type": "GetUserQuery", "outcome": "ok"}
    before = _count("bus_handler_duration_seconds_count", **labels)
    email = (await register(metered))["email"]
    pair = await login(metered, email)

    response = await metered.get(f"{USERS}/me", headers=bearer(pair["access_token"]))

    assert response.status_code == 200
    assert _count("bus_handler_duration_seconds_count", **labels) == before + 1
