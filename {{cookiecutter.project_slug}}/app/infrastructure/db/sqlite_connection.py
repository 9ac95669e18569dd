"""SQLite connections tuned for a web service.

rowquery opens plain aiosqlite connections; this adapter adds what a service
with concurrent writers needs: WAL, a busy timeout, foreign keys, and
`BEGIN IMMEDIATE` so that a write transaction takes the lock up front instead
of failing with "database is locked" when it upgrades from read to write.

It also makes each statement one trip to the connection's thread instead of
three (execute, fetch, close): under load those trips, not SQLite, dominate.
"""

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import aiosqlite
from row_query import AsyncConnectionManager, ConnectionConfig
from row_query.adapters.sqlite import SqliteAsyncAdapter

BUSY_TIMEOUT_MS = 15_000
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)
Params = Mapping[str, Any] | Sequence[Any]


@dataclass(frozen=True, slots=True)
class FetchedStatement:
    """Everything a statement produced, read in the connection's thread.

    Quacks like the cursor rowquery expects; the rows are already in memory, so
    queries are expected to be bounded (paginate, as rowquery loads all rows too).
    """

    description: Any
    rows: list[sqlite3.Row]
    rowcount: int

    async def fetchone(self) -> sqlite3.Row | None:
        return self.rows[0] if self.rows else None

    async def fetchmany(self, size: int) -> list[sqlite3.Row]:
        return self.rows[:size]

    async def fetchall(self) -> list[sqlite3.Row]:
        return self.rows

    def close(self) -> None:
        """Nothing to release: the cursor was closed in the connection's thread."""


def _run_statement(connection: sqlite3.Connection, sql: str, params: Params) -> FetchedStatement:
    cursor = connection.execute(sql, params)
    try:
        return FetchedStatement(cursor.description, cursor.fetchall(), cursor.rowcount)
    finally:
        # An open cursor keeps its statement active: a later DROP or VACUUM on
        # this connection would fail with "database table is locked".
        cursor.close()


class _PooledConnection(aiosqlite.Connection):
    async def run_statement(self, sql: str, params: Params) -> FetchedStatement:
        # _execute runs a callable on this connection's own thread (aiosqlite's mechanism).
        fetched: FetchedStatement = await self._execute(  # type: ignore[no-untyped-call]
            _run_statement, self._conn, sql, params
        )
        return fetched

    async def rollback(self) -> None:
        # The pool rolls back every returned connection; after a plain read there
        # is nothing to undo, so skip the trip to the connection's thread.
        if self.in_transaction:
            await super().rollback()


class TunedSqliteAdapter(SqliteAsyncAdapter):  # type: ignore[misc]
    async def connect_async(self, config: ConnectionConfig) -> Any:
        connector = partial(sqlite3.connect, config.database, **config.extra)
        connection = _PooledConnection(connector, iter_chunk_size=64)
        await connection  # starts the connection's thread and opens the database
        connection.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await connection.run_statement(pragma, ())
        return connection

    async def begin_async(self, connection: _PooledConnection) -> None:
        if not connection.in_transaction:
            await connection.run_statement("BEGIN IMMEDIATE", ())

    async def execute_async(
        self, connection: _PooledConnection, sql: str, params: Params | None = None
    ) -> FetchedStatement:
        return await connection.run_statement(sql, {} if params is None else params)


class SqliteConnectionManager(AsyncConnectionManager):  # type: ignore[misc]
    def __init__(self, config: ConnectionConfig) -> None:
        super().__init__(config)
        self._adapter = TunedSqliteAdapter()
