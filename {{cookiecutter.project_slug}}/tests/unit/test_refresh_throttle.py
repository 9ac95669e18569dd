"""RefreshThrottle: what counts against an address and a session, and what is given back."""

import uuid

import pytest

from app.application.services.refresh_throttle import RefreshLimits, RefreshThrottle
from app.domain.errors import RateLimitError
from app.infrastructure.throttle.in_memory_throttle_store import InMemoryThrottleStore

ADDRESS = "192.0.2.1"
LIMITS = RefreshLimits(failures_per_address=2, per_session=2, window_seconds=60)


def _throttle(limits: RefreshLimits = LIMITS) -> tuple[RefreshThrottle, InMemoryThrottleStore]:
    store = InMemoryThrottleStore()
    return RefreshThrottle(store, limits), store


async def test_an_admitted_refresh_counts_as_a_failure_until_its_token_is_found() -> None:
    throttle, store = _throttle()
    attempt = await throttle.admit(ADDRESS)
    assert (await store.peek(f"refresh-failures:{ADDRESS}"))[0] == 1

    await attempt.found(uuid.uuid4())

    assert (await store.peek(f"refresh-failures:{ADDRESS}"))[0] == 0


async def test_an_abandoned_refresh_gives_its_place_back_once() -> None:
    throttle, store = _throttle()
    await throttle.admit(ADDRESS)  # a failure that stays
    attempt = await throttle.admit(ADDRESS)

    await attempt.abandoned()  # e.g. the database failed before the lookup answered
    await attempt.abandoned()

    assert (await store.peek(f"refresh-failures:{ADDRESS}"))[0] == 1
    await throttle.admit(ADDRESS)  # the second place is free again


async def test_the_address_over_its_limit_is_refused_and_the_refusal_is_not_counted() -> None:
    throttle, store = _throttle()
    for _ in range(LIMITS.failures_per_address):
        await throttle.admit(ADDRESS)

    with pytest.raises(RateLimitError) as caught:
        await throttle.admit(ADDRESS)

    assert str(caught.value) == "Too many refreshes; try again later"
    assert 1 <= caught.value.retry_after_seconds <= 60
    assert (await store.peek(f"refresh-failures:{ADDRESS}"))[0] == LIMITS.failures_per_address


async def test_a_session_is_refused_past_its_limit_and_another_is_not() -> None:
    throttle, _ = _throttle()
    session, other = uuid.uuid4(), uuid.uuid4()
    for _ in range(LIMITS.per_session):
        await (await throttle.admit(ADDRESS)).found(session)

    with pytest.raises(RateLimitError):
        await (await throttle.admit(ADDRESS)).found(session)
    await (await throttle.admit(ADDRESS)).found(other)


async def test_zero_turns_each_limit_off() -> None:
    throttle, store = _throttle(
        RefreshLimits(failures_per_address=0, per_session=0, window_seconds=60)
    )
    session = uuid.uuid4()
    for _ in range(10):
        await (await throttle.admit(ADDRESS)).found(session)

    assert await store.peek(f"refresh-failures:{ADDRESS}") == (0, 0)
    assert await store.peek(f"refreshes:{session}") == (0, 0)
