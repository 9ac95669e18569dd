"""A time budget for one database operation, kept even when the database is frozen.

Cancelling a driver call is not enough to stop waiting for it: psycopg, cancelled
while its server is frozen, spends up to ten more seconds asking that server to
cancel the query, and an aiosqlite statement keeps its thread until SQLite
returns. So when the budget runs out, every connection the operation borrowed is
abandoned first (its socket closed, its statement interrupted), which makes the
driver give up at once; only then is the waiting task cancelled, and the caller
gets DatabaseTimeoutError. An abandoned connection fails the reset the pool does
on release, so the pool discards it instead of handing it out again.
"""

import asyncio
from collections.abc import Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Self

from row_query import AsyncConnectionManager

from app.infrastructure.db.lean_pool import LeanPool, PoolUsage
from app.infrastructure.errors import DatabaseTimeoutError

# Stops waiting for a connection at once, without a round trip to the database.
Abandon = Callable[[Any], None]

_current: ContextVar["Deadline | None"] = ContextVar("database_deadline", default=None)


class Deadline:
    """One operation's budget, entered (`with`) around each of its steps.

    An engine call is one step; a transaction is several (begin, each statement,
    commit), all within the one budget. DeadlineTimer.start() makes one and keeps time.
    """

    __slots__ = (
        "_abandon",
        "_cancelled",
        "_cancelling",
        "_connections",
        "_expired",
        "_task",
        "_token",
        "closed",
        "expires_at",
        "interruptible",
        "seconds",
    )

    def __init__(self, seconds: float, abandon: Abandon, *, expires_at: float) -> None:
        self.seconds = seconds
        # In the event loop's time; a DeadlineTimer calls expire() then, unless closed.
        self.expires_at = expires_at
        self.closed = False
        # Cleared while a step must not be cancelled; abandoning still ends it soon.
        self.interruptible = True
        self._abandon = abandon
        self._connections: list[Any] = []
        self._expired = False
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False
        self._cancelling = 0
        self._token: Token[Deadline | None] | None = None

    @property
    def expired(self) -> bool:
        return self._expired

    def watch(self, connection: Any) -> None:
        """Abandon `connection` too if the budget runs out (at once if it has)."""
        self._connections.append(connection)
        if self._expired:
            self._abandon(connection)

    def returned(self, connection: Any) -> None:
        """`connection` is back in its pool: no longer the operation's to abandon."""
        if connection in self._connections:
            self._connections.remove(connection)

    def borrowed(self) -> list[Any]:
        """The connections lent to the operation and not yet returned."""
        return list(self._connections)

    def close(self) -> None:
        """The operation is over: stop the clock."""
        self.closed = True

    def __enter__(self) -> Self:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("A database deadline needs a running task")
        self._task, self._cancelling = task, task.cancelling()
        self._token = _current.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
        task, self._task, self._token = self._task, None, None
        cancelled, self._cancelled = self._cancelled, False
        if not self._expired or exc is None:
            return
        # A cancellation by someone else as well (shutdown) goes on.
        if isinstance(exc, asyncio.CancelledError) and (
            not cancelled or task is None or task.uncancel() > self._cancelling
        ):
            return
        # Whatever failed after the budget ran out failed because its connection was abandoned.
        raise DatabaseTimeoutError(self.seconds) from None

    def expire(self) -> None:
        """The budget ran out: abandon the borrowed connections, then cancel the waiting."""
        self._expired = True
        for connection in self._connections:
            self._abandon(connection)
        if self._task is not None and self.interruptible:
            self._cancelled = True
            self._task.cancel()


class DeadlineConnectionManager(AsyncConnectionManager):  # type: ignore[misc]
    """Hands every connection it lends to the deadline of the operation borrowing it.

    Its pool is a LeanPool; the adapter says how a returned connection is reset.
    """

    _pool: LeanPool[Any] | None

    async def initialize_pool(self) -> LeanPool[Any]:
        if self._pool is None:
            adapter, config = self._adapter, self.config
            self._pool = LeanPool(
                connect=lambda: adapter.connect_async(config),
                close=adapter.close_connection_async,
                reset=adapter.reset,
                is_alive=adapter.is_connection_alive,
                size=config.pool_size,
                timeout=config.pool_timeout,
                # A SQLite file has no server to drop idle connections: never recycled.
                recycle=None if config.driver == "sqlite" else config.pool_recycle,
            )
        return self._pool

    @property
    def pool_usage(self) -> PoolUsage:
        if self._pool is None:  # opened at the first borrowing
            return PoolUsage(self.config.pool_size, 0, 0)
        return self._pool.usage

    async def acquire(self) -> Any:
        connection = await super().acquire()
        deadline = _current.get()
        if deadline is None:
            return connection
        deadline.watch(connection)
        if deadline.expired:
            # The budget ran out while a step could not be cancelled (a release), so no
            # cancel came: without this the rest of the operation would run with no limit.
            await self.release(connection)
            raise DatabaseTimeoutError(deadline.seconds)
        return connection

    async def release(self, connection: Any) -> None:
        deadline = _current.get()
        if deadline is None:
            await super().release(connection)
            return
        # A cancellation inside the pool's release (its reset) would lose the slot for
        # good; an abandoned connection is released at once anyway, so none is needed.
        deadline.interruptible = False
        try:
            await super().release(connection)
        finally:
            deadline.interruptible = True
            deadline.returned(connection)
