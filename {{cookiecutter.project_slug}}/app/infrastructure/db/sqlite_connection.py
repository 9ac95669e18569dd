"""SQLite connections tuned for a web service.

rowquery opens plain aiosqlite connections; this adapter adds what a service
with concurrent writers needs: WAL, a busy timeout, foreign keys, and
`BEGIN IMMEDIATE` so that a write transaction takes the lock up front instead
of failing with "database is locked" when it upgrades from read to write.
"""

import sqlite3
from functools import partial
from typing import Any

import aiosqlite
from row_query import AsyncConnectionManager, ConnectionConfig
from row_query.adapters.sqlite import SqliteAsyncAdapter

BUSY_TIMEOUT_MS = 15_000
ROWS_PER_THREAD_HOP = 64
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


class _PooledConnection(aiosqlite.Connection):
    async def rollback(self) -> None:
        # The pool rolls back every returned connection; after a plain read there
        # is nothing to undo, so skip the round trip to the connection's thread.
        if self.in_transaction:
            await super().rollback()


class TunedSqliteAdapter(SqliteAsyncAdapter):  # type: ignore[misc]
    async def connect_async(self, config: ConnectionConfig) -> Any:
        connector = partial(sqlite3.connect, config.database, **config.extra)
        connection = await _PooledConnection(connector, ROWS_PER_THREAD_HOP)
        connection.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await _run_and_close(connection, pragma)
        return connection

    async def begin_async(self, connection: Any) -> None:
        if not connection.in_transaction:
            await _run_and_close(connection, "BEGIN IMMEDIATE")


async def _run_and_close(connection: aiosqlite.Connection, sql: str) -> None:
    # An unclosed cursor keeps its statement active and makes a following
    # DROP or VACUUM fail with "database table is locked".
    cursor = await connection.execute(sql)
    await cursor.close()


class SqliteConnectionManager(AsyncConnectionManager):  # type: ignore[misc]
    def __init__(self, config: ConnectionConfig) -> None:
        super().__init__(config)
        self._adapter = TunedSqliteAdapter()
