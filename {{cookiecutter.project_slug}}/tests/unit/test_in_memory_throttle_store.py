"""The in-process counter store behind the rate limits and the login throttle."""

from app.infrastructure.throttle.in_memory_throttle_store import (
    SWEEP_INTERVAL_SECONDS,
    InMemoryThrottleStore,
)


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_counts_within_a_window_and_starts_again_after_it() -> None:
    seconds = Seconds()
    store = InMemoryThrottleStore(clock=seconds)

    first = [await store.increment("k", 60) for _ in range(3)]
    seconds.now = 59.5
    last_in_window = await store.increment("k", 60)
    seconds.now = 60.0
    next_window = await store.increment("k", 60)

    assert first == [(1, 60), (2, 60), (3, 60)]
    assert last_in_window == (4, 1)  # rounded up: never "retry after 0 seconds"
    assert next_window == (1, 60)


async def test_peek_reads_without_counting_and_reset_forgets() -> None:
    seconds = Seconds()
    store = InMemoryThrottleStore(clock=seconds)
    assert await store.peek("k") == (0, 0)
    await store.increment("k", 60)
    seconds.now = 10.0

    assert await store.peek("k") == (1, 50)
    assert await store.peek("k") == (1, 50)
    await store.reset("k")
    assert await store.peek("k") == (0, 0)
    seconds.now = 100.0
    await store.increment("other", 5)
    seconds.now = 105.0
    assert await store.peek("other") == (0, 0), "a window that is over counts nothing"


async def test_decrement_takes_one_back_and_forgets_a_key_back_at_zero() -> None:
    seconds = Seconds()
    store = InMemoryThrottleStore(clock=seconds)
    await store.decrement("none")  # nothing to take back: no window is opened
    assert len(store) == 0
    await store.increment("k", 60)
    await store.increment("k", 60)
    seconds.now = 10.0

    await store.decrement("k")
    assert await store.peek("k") == (1, 50), "one taken back, the window kept"
    await store.decrement("k")
    assert len(store) == 0, "memory holds only keys that count something"
    await store.decrement("k")
    assert await store.increment("k", 60) == (1, 60)


async def test_expired_windows_are_swept_so_memory_stays_bounded() -> None:
    seconds = Seconds()
    store = InMemoryThrottleStore(clock=seconds)
    for n in range(100):
        await store.increment(f"short-{n}", 1)
    await store.increment("long", int(10 * SWEEP_INTERVAL_SECONDS))

    seconds.now = SWEEP_INTERVAL_SECONDS
    await store.increment("new", 1)

    assert len(store) == 2  # "long" and "new"


async def test_a_sweep_runs_once_an_interval_and_drops_the_windows_ended_by_then() -> None:
    """Sweeping costs one pass over every key: once an interval, not on every request."""
    seconds = Seconds()
    store = InMemoryThrottleStore(clock=seconds)
    await store.increment("ends-at-the-first-sweep", int(SWEEP_INTERVAL_SECONDS))
    await store.increment("ends-before-it", 1)
    sizes: list[int] = []
    for now, key in [
        (2, "before-the-first-sweep"),
        (SWEEP_INTERVAL_SECONDS, "at-the-first-sweep"),
        (SWEEP_INTERVAL_SECONDS + 2, "after-it"),
    ]:
        seconds.now = now
        await store.increment(key, 1 if key == "at-the-first-sweep" else 600)
        sizes.append(len(store))

    # Expired windows wait for the sweep; the one ending at it goes with it.
    assert sizes == [3, 2, 3]
