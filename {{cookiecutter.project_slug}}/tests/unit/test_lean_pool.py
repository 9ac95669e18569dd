"""LeanPool: rowquery's pool contract (bounded, timed, reset on release, discarding what
fails), and a released connection handed to the longest waiter."""

import asyncio
import itertools

import pytest
from row_query import ConnectionError as OpenFailedError
from row_query import PoolError, PoolTimeoutError

from app.infrastructure.db.lean_pool import LeanPool


class Connection:
    def __init__(self, number: int) -> None:
        self.number = number
        self.alive = True
        self.closed = False
        self.resets = 0
        self.reset_fails = False


class Opener:
    """Opens numbered connections; records what the pool closed."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self.opened: list[Connection] = []
        self.fail_next = False

    async def connect(self) -> Connection:
        await asyncio.sleep(0)
        if self.fail_next:
            self.fail_next = False
            raise OSError("connection refused")
        connection = Connection(next(self._numbers))
        self.opened.append(connection)
        return connection

    async def close(self, connection: Connection) -> None:
        connection.closed = True

    async def reset(self, connection: Connection) -> None:
        connection.resets += 1
        if connection.reset_fails:
            raise OSError("server closed the connection")


def _pool(
    opener: Opener, size: int = 1, timeout: float = 5.0, recycle: float | None = None
) -> LeanPool[Connection]:
    return LeanPool(
        connect=opener.connect,
        close=opener.close,
        reset=opener.reset,
        is_alive=lambda connection: connection.alive,
        size=size,
        timeout=timeout,
        recycle=recycle,
    )


async def test_connections_open_lazily_up_to_the_size_and_are_reused_after_a_reset() -> None:
    opener = Opener()
    pool = _pool(opener, size=2)

    first, second = await pool.acquire(), await pool.acquire()
    await pool.release(first)
    again = await pool.acquire()

    assert len(opener.opened) == 2
    assert again is first
    assert first.resets == 1
    await pool.release(second)


async def test_a_waiter_past_the_timeout_gets_pool_timeout_error() -> None:
    pool = _pool(Opener(), size=1, timeout=0.05)
    held = await pool.acquire()

    with pytest.raises(PoolTimeoutError):
        await asyncio.wait_for(pool.acquire(), timeout=5)
    await pool.release(held)
    assert await pool.acquire() is held  # the timed-out waiter left no trace


async def test_a_released_connection_goes_to_the_longest_waiter_first() -> None:
    pool = _pool(Opener(), size=1)
    held = await pool.acquire()
    order: list[str] = []

    async def borrow(name: str) -> None:
        connection = await pool.acquire()
        order.append(name)
        await asyncio.sleep(0)
        await pool.release(connection)

    waiters = [asyncio.create_task(borrow(name)) for name in ("first", "second", "third")]
    await asyncio.sleep(0.01)
    await pool.release(held)
    await asyncio.wait_for(asyncio.gather(*waiters), timeout=5)

    assert order == ["first", "second", "third"]


async def test_a_connection_whose_reset_fails_is_closed_and_its_slot_reopened() -> None:
    opener = Opener()
    pool = _pool(opener, size=1)
    broken = await pool.acquire()
    broken.reset_fails = True
    waiter = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)

    await pool.release(broken)
    fresh = await asyncio.wait_for(waiter, timeout=5)

    assert broken.closed
    assert fresh is not broken
    assert not fresh.closed
    assert len(opener.opened) == 2


@pytest.mark.parametrize("why", ["dead", "older-than-recycle"])
async def test_an_idle_connection_that_can_no_longer_serve_is_replaced_on_acquire(
    why: str,
) -> None:
    opener = Opener()
    pool = _pool(opener, size=1, recycle=0.02 if why == "older-than-recycle" else None)
    old = await pool.acquire()
    await pool.release(old)
    if why == "dead":
        old.alive = False
    else:
        await asyncio.sleep(0.05)

    fresh = await pool.acquire()

    assert old.closed
    assert fresh is not old


async def test_a_failed_open_frees_its_slot_for_the_next_caller() -> None:
    opener = Opener()
    pool = _pool(opener, size=1, timeout=0.5)
    opener.fail_next = True

    with pytest.raises(OpenFailedError):
        await pool.acquire()
    connection = await asyncio.wait_for(pool.acquire(), timeout=5)

    assert not connection.closed


async def test_closing_the_pool_closes_idle_connections_and_wakes_waiters() -> None:
    opener = Opener()
    pool = _pool(opener, size=1)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)

    await pool.close()

    with pytest.raises(PoolError):
        await asyncio.wait_for(waiter, timeout=5)
    await pool.release(held)
    assert held.closed  # returned after close: closed, not kept
    with pytest.raises(PoolError):
        await pool.acquire()


async def test_a_waiter_cancelled_as_a_connection_reaches_it_passes_the_connection_on() -> None:
    pool = _pool(Opener(), size=1)
    held = await pool.acquire()
    cancelled = asyncio.create_task(pool.acquire())
    patient = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0.01)

    await pool.release(held)  # handed to `cancelled`, which has not run yet
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled

    assert await asyncio.wait_for(patient, timeout=5) is held
