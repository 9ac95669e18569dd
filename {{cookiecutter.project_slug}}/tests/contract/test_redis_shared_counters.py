"""Two instances of the service on one Redis share one budget, not one each."""

import pytest

from app.infrastructure.config import Settings

from .helpers import LOGIN, client_for, new_email, running_app

LIMIT = 3


@pytest.mark.parametrize(
    "limits",
    [
        {"login_rate_limit_per_minute": LIMIT},
        # The login throttle's per-account counters are shared the same way.
        {"login_rate_limit_per_minute": 0, "login_failures_per_account_and_address": LIMIT},
    ],
    ids=["per-address-limit", "per-account-limit"],
)
async def test_a_limit_of_n_lets_n_through_across_two_instances(
    settings: Settings, limits: dict[str, int]
) -> None:
    limited = settings.model_copy(update=limits)
    email = new_email()  # one account: the per-account limit counts it
    async with (
        running_app(limited) as first,
        running_app(limited) as second,
        client_for(first) as one,
        client_for(second) as other,
    ):
        clients = [one, other]
        attempt = {"email": email, "password": "wrong"}
        statuses = [
            (await clients[i % 2].post(LOGIN, json=attempt)).status_code for i in range(4 * LIMIT)
        ]

    assert statuses.count(401) == LIMIT, statuses
    assert statuses.count(429) == 3 * LIMIT, statuses
