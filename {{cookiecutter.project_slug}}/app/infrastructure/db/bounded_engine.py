"""The rowquery engine with every database operation held to DATABASE_QUERY_TIMEOUT_SECONDS.

An engine call (borrowing a connection, opening it if need be, running the
statement, returning the connection) is one operation; so is a whole
transaction, from BEGIN to COMMIT. Past the budget the operation fails with
DatabaseTimeoutError, which the API answers with 503 and Retry-After.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self

from row_query import AsyncEngine, AsyncTransactionManager, SQLRegistry

from app.infrastructure.db.deadline import Deadline, DeadlineConnectionManager
from app.infrastructure.db.deadline_timer import DeadlineTimer
from app.infrastructure.db.lean_pool import PoolUsage
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.errors import ConnectionLostError
{%- endif %}


class BoundedTransaction(AsyncTransactionManager):  # type: ignore[misc]
    def __init__(
        self,
        connection_manager: DeadlineConnectionManager,
        registry: SQLRegistry,
        deadlines: DeadlineTimer,
    ) -> None:
        super().__init__(connection_manager=connection_manager, registry=registry)
        self._deadlines = deadlines
        self._deadline: Deadline | None = None

    async def __aenter__(self) -> Self:
        deadline = self._deadline = self._deadlines.start(self._connection_manager.adapter.abandon)
        try:
            with deadline:
{%- if cookiecutter.db_driver == "postgresql" %}
                try:
                    await super().__aenter__()
                except ConnectionLostError:
                    # BEGIN found its pooled connection dead (the server restarted): nothing
                    # ran, and the dead connection's idle siblings were dropped with it, so
                    # a fresh connection may take over.
                    await super().__aenter__()
{%- else %}
                await super().__aenter__()
{%- endif %}
        except BaseException:
            deadline.close()
            self._deadline = None
            await self._give_back(deadline)
            raise
        return self

    async def _give_back(self, deadline: Deadline) -> None:
        # rowquery returns the connection when BEGIN raises an Exception, not when it is
        # cancelled (the deadline, a shutdown): that slot would be lost for good. Such a
        # connection may be mid-BEGIN, so it is abandoned and the pool discards it.
        for connection in deadline.borrowed():
            if not deadline.expired:  # on expiry the deadline abandoned it already
                self._connection_manager.adapter.abandon(connection)
            await asyncio.shield(self._connection_manager.release(connection))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        deadline, self._deadline = self._deadline, None
        assert deadline is not None, "__aexit__ without a successful __aenter__"
        try:
            with deadline:
                await super().__aexit__(exc_type, exc, traceback)
        finally:
            deadline.close()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        # rowquery's context refuses use outside `async with`; inside it, there is a deadline.
        async with super()._connection() as connection:
            assert self._deadline is not None
            with self._deadline:
                yield connection


class BoundedEngine(AsyncEngine):  # type: ignore[misc]
    def __init__(
        self, connection_manager: DeadlineConnectionManager, registry: SQLRegistry, timeout: float
    ) -> None:
        super().__init__(connection_manager, registry)
        self._deadlines = DeadlineTimer(timeout)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        deadline = self._deadlines.start(self._connection_manager.adapter.abandon)
        try:
            with deadline:
                async with super()._connection() as connection:
                    yield connection
        finally:
            deadline.close()

    def transaction(self) -> BoundedTransaction:
        return BoundedTransaction(self._connection_manager, self._registry, self._deadlines)

    @property
    def pool_usage(self) -> PoolUsage:
        usage: PoolUsage = self._connection_manager.pool_usage
        return usage
