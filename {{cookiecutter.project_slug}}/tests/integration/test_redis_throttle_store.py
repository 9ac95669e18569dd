"""RedisThrottleStore against a real redis-server: the counters every process shares."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.infrastructure.config import Settings
from app.infrastructure.redis.redis_client import create_redis_client
from app.infrastructure.redis.redis_throttle_store import RedisThrottleStore

PREFIX = "test:"
WINDOW = 60
# Seconds a loaded machine may take between two steps of a test, for windows read later.
SLACK = 5


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Redis]:
    redis_client = create_redis_client(settings)
    try:
        yield redis_client
    finally:
        await redis_client.aclose()


@pytest.fixture
def store(client: Redis, settings: Settings) -> RedisThrottleStore:
    return RedisThrottleStore(client, prefix=PREFIX, timeout_seconds=settings.redis_timeout_seconds)


async def test_increment_counts_from_one_with_the_whole_window_left(
    store: RedisThrottleStore,
) -> None:
    first = await store.increment("k", WINDOW)
    later = [await store.increment("k", WINDOW) for _ in range(2)]

    # Rounded up: a window just begun has all of its 60 seconds left, not 59.
    assert first == (1, WINDOW)
    assert [count for count, _ in later] == [2, 3]
    assert all(WINDOW - SLACK <= seconds_left <= WINDOW for _, seconds_left in later)


async def test_every_key_expires_with_its_window(store: RedisThrottleStore, client: Redis) -> None:
    await store.increment("a", WINDOW)
    await store.increment("a", WINDOW)
    await store.increment("b", 10)

    keys = sorted(await client.keys("*"))
    expiries = [await client.pttl(key) for key in keys]

    assert keys == [b"test:a", b"test:b"]
    assert (WINDOW - SLACK) * 1000 < expiries[0] <= WINDOW * 1000
    assert 0 < expiries[1] <= 10_000


async def test_a_key_left_without_an_expiry_gets_one_on_its_next_count(
    store: RedisThrottleStore, client: Redis
) -> None:
    # Written by hand (or by a store that lost its EXPIRE): it would block for ever.
    await client.set("test:stuck", 7)

    count, seconds_left = await store.increment("stuck", WINDOW)

    assert (count, seconds_left) == (8, WINDOW)
    assert (WINDOW - SLACK) * 1000 < await client.pttl("test:stuck") <= WINDOW * 1000


async def test_the_window_really_ends_and_counting_starts_again(
    store: RedisThrottleStore,
) -> None:
    await store.increment("short", 1)
    await store.increment("short", 1)
    assert (await store.peek("short"))[0] == 2

    await asyncio.sleep(1.2)

    assert await store.peek("short") == (0, 0)
    assert await store.increment("short", 1) == (1, 1)


async def test_peek_reads_without_counting(store: RedisThrottleStore, client: Redis) -> None:
    assert await store.peek("k") == (0, 0)
    assert await client.exists("test:k") == 0  # peeking creates nothing

    await store.increment("k", WINDOW)
    await store.increment("k", WINDOW)

    for _ in range(2):
        count, seconds_left = await store.peek("k")
        assert count == 2
        assert WINDOW - SLACK <= seconds_left <= WINDOW


async def test_decrement_keeps_the_window_and_deletes_the_key_at_zero(
    store: RedisThrottleStore, client: Redis
) -> None:
    await store.increment("k", WINDOW)
    await store.increment("k", WINDOW)

    await store.decrement("k")
    assert (await store.peek("k"))[0] == 1
    assert await client.pttl("test:k") > (WINDOW - SLACK) * 1000

    await store.decrement("k")
    assert await client.exists("test:k") == 0

    # Nothing to take back: no key appears, none goes below zero.
    await store.decrement("k")
    assert await client.exists("test:k") == 0
    assert await store.increment("k", WINDOW) == (1, WINDOW)


async def test_reset_forgets_the_key(store: RedisThrottleStore, client: Redis) -> None:
    await store.increment("k", WINDOW)

    await store.reset("k")
    await store.reset("never-counted")

    assert await client.exists("test:k") == 0
    assert await store.increment("k", WINDOW) == (1, WINDOW)


async def test_stores_with_other_prefixes_count_apart(
    store: RedisThrottleStore, client: Redis
) -> None:
    other = RedisThrottleStore(client, prefix="other-service:", timeout_seconds=1.0)

    await store.increment("k", WINDOW)

    assert await other.increment("k", WINDOW) == (1, WINDOW)
    assert (await store.peek("k"))[0] == 1


async def test_concurrent_counts_from_two_clients_are_exact(
    settings: Settings,
) -> None:
    # Two clients, two connection pools: what two workers of the service have.
    first, second = create_redis_client(settings), create_redis_client(settings)
    try:
        stores = [
            RedisThrottleStore(client, prefix=PREFIX, timeout_seconds=5.0)
            for client in (first, second)
        ]

        results = await asyncio.gather(
            *(stores[i % 2].increment("contended", WINDOW) for i in range(200))
        )

        assert sorted(count for count, _ in results) == list(range(1, 201))
        assert (await stores[0].peek("contended"))[0] == 200
    finally:
        await first.aclose()
        await second.aclose()
