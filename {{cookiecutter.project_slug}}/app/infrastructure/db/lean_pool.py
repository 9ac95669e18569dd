"""rowquery's bounded pool, without a lock around the common case.

rowquery's AsyncPool takes an asyncio.Condition on every acquire and release, and
waits with asyncio.wait_for: on a read path that borrows a connection per request,
that bookkeeping costs as much as parsing the SQL result. This pool keeps the same
contract (lazy connections up to `size`, a PoolTimeoutError after `timeout`
seconds, a reset on release, and connections discarded when the reset fails, the
adapter finds them dead or they are older than `recycle`), and serves a free
connection without awaiting anything. One event loop owns it, so plain attributes
need no lock. A waiter is handed the released connection directly, first come
first served, so a burst of new requests cannot starve those already waiting.
"""

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any{% if cookiecutter.python_version == "3.11" %}, Generic, TypeVar{% endif %}

from row_query import ConnectionError as OpenFailedError
from row_query import PoolError, PoolTimeoutError


@dataclass(frozen=True, slots=True)
class PoolUsage:
    size: int  # the most connections the pool opens
    open: int  # opened (or opening) and not yet closed
    in_use: int  # open and lent out, not idle in the pool

{% if cookiecutter.python_version == "3.11" %}
ConnectionT = TypeVar("ConnectionT")


class LeanPool(Generic[ConnectionT]):
{%- else %}
class LeanPool[ConnectionT]:
{%- endif %}
    def __init__(
        self,
        connect: Callable[[], Awaitable[ConnectionT]],
        close: Callable[[ConnectionT], Awaitable[None]],
        reset: Callable[[ConnectionT], Awaitable[None]],
        is_alive: Callable[[ConnectionT], bool],
        *,
        size: int,
        timeout: float,
        recycle: float | None,
    ) -> None:
        self._connect, self._close, self._reset, self._is_alive = connect, close, reset, is_alive
        self._size, self._timeout, self._recycle = size, timeout, recycle
        self._idle: list[ConnectionT] = []
        self._born: dict[int, float] = {}
        self._opened = 0
        self._closed = False
        # Each resolves to a released connection, or to None when a slot came free.
        self._waiters: deque[asyncio.Future[ConnectionT | None]] = deque()

    @property
    def usage(self) -> PoolUsage:
        return PoolUsage(self._size, self._opened, self._opened - len(self._idle))

    async def acquire(self) -> ConnectionT:
        give_up_at = time.monotonic() + self._timeout
        while True:
            if self._closed:
                raise PoolError("Connection pool is closed")
            if self._idle:
                connection = self._idle.pop()
                if self._usable(connection):
                    return connection
                await self._discard(connection)
                continue
            if self._opened < self._size:
                break
            handed = await self._wait(give_up_at)
            if handed is not None:
                return handed
        self._opened += 1
        try:
            connection = await self._connect()
        except BaseException as error:
            self._opened -= 1
            self._hand_over(None)
            if isinstance(error, Exception):
                raise OpenFailedError(f"Failed to open database connection: {error}") from error
            raise
        self._born[id(connection)] = time.monotonic()
        return connection

    async def release(self, connection: ConnectionT) -> None:
        try:
            await self._reset(connection)
        except Exception:
            await self._discard(connection)
            self._hand_over(None)
            return
        if self._closed or self._expired(connection):
            await self._discard(connection)
            self._hand_over(None)
            return
        self._hand_over(connection)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await self._discard(connection)
        while self._waiters:
            self._hand_over(None)

    def _usable(self, connection: ConnectionT) -> bool:
        return not self._expired(connection) and self._is_alive(connection)

    def _expired(self, connection: ConnectionT) -> bool:
        if self._recycle is None:
            return False
        return time.monotonic() - self._born.get(id(connection), 0.0) > self._recycle

    async def _discard(self, connection: ConnectionT) -> None:
        self._born.pop(id(connection), None)
        self._opened -= 1
        with contextlib.suppress(Exception):
            await self._close(connection)

    def _hand_over(self, connection: ConnectionT | None) -> None:
        """Give `connection` (or a free slot, for None) to the longest waiter, else keep it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if connection is not None:
            self._idle.append(connection)

    async def _wait(self, give_up_at: float) -> ConnectionT | None:
        remaining = give_up_at - time.monotonic()
        if remaining <= 0:
            raise PoolTimeoutError(self._size, self._timeout)
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[ConnectionT | None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(remaining, _time_out, waiter, self._size, self._timeout)
        try:
            return await waiter
        except asyncio.CancelledError:
            # Cancelled just after a connection was handed over: pass it on, not lose it.
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._hand_over(waiter.result())
            self._forget_waiter(waiter)
            raise
        except PoolTimeoutError:
            self._forget_waiter(waiter)
            raise
        finally:
            timer.cancel()

    def _forget_waiter(self, waiter: asyncio.Future[ConnectionT | None]) -> None:
        with contextlib.suppress(ValueError):  # already taken off by a hand-over
            self._waiters.remove(waiter)


def _time_out(waiter: asyncio.Future[Any], size: int, timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(PoolTimeoutError(size, timeout))
