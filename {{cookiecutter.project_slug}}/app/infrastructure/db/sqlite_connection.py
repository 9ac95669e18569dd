"""SQLite connections tuned for a web service.

rowquery opens plain aiosqlite connections; this adapter adds what a service
with concurrent writers needs: WAL, a busy timeout, foreign keys, and
`BEGIN IMMEDIATE` so that a write transaction takes the lock up front instead
of failing with "database is locked" when it upgrades from read to write.

It also makes each statement one trip to the connection's thread instead of
three (execute, fetch, close): under load those trips, not SQLite, dominate.

A pooled connection is only reused while it still fits its file (see
sqlite_database_file.py): the file is the one it opened, it is not broken, and
it was not opened read-only from a file that is writable now.
"""

import contextlib
import sqlite3
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import aiosqlite
from row_query import ConnectionConfig
from row_query.adapters.sqlite import SqliteAsyncAdapter

from app.infrastructure.db.deadline import DeadlineConnectionManager
from app.infrastructure.db.sqlite_database_file import FileIdentity, SqliteDatabaseFile

# The share of DATABASE_QUERY_TIMEOUT_SECONDS a writer waits for another's lock: the wait
# ends as "database is locked" (503) on a connection that stays usable, before the
# operation's deadline would have to abandon the connection.
BUSY_TIMEOUT_SHARE = 0.8
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)
Params = Mapping[str, Any] | Sequence[Any]
ResultT = TypeVar("ResultT")
# After these a connection cannot be trusted again: SQLite keeps a connection that found
# its file read-only, unopenable or damaged in that state even once the file is fixed.
CONNECTION_FAILURES = frozenset(
    {
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_NOTADB,
    }
)


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
    file_identity: FileIdentity | None = None
    opened_writable = True
    broken = False
    abandoned = False

    def fits(self, database_file: SqliteDatabaseFile) -> bool:
        """Whether the pool may hand this connection out again (one or two syscalls)."""
        if self.broken or database_file.identity() != self.file_identity:
            return False
        return self.opened_writable or not database_file.writable()

    async def run_statement(self, sql: str, params: Params) -> FetchedStatement:
        # _execute runs a callable on this connection's own thread (aiosqlite's mechanism).
        fetched: FetchedStatement = await self._watched(
            self._execute(_run_statement, self._conn, sql, params)  # type: ignore[no-untyped-call]
        )
        return fetched

    async def commit(self) -> None:
        await self._watched(super().commit())

    async def _watched(self, operation: Awaitable[ResultT]) -> ResultT:
        try:
            return await operation
        except sqlite3.Error as error:
            if error.sqlite_errorcode & 0xFF in CONNECTION_FAILURES:
                self.broken = True
            raise

    async def rollback(self) -> None:
        if self.abandoned:
            # Fails the reset the pool does on release, so the pool discards it.
            raise sqlite3.InterfaceError("Connection abandoned at its deadline")
        # Nothing to undo: no trip to the connection's thread.
        if self.in_transaction:
            await super().rollback()

    def abandon(self) -> None:
        """Stop waiting for this connection: its operation ran out of time.

        SQLite interrupts a running statement, though not a wait for a lock (the
        busy timeout ends that); the connection's thread then closes it.
        """
        self.abandoned = True
        with contextlib.suppress(ValueError):  # not open, or already closed
            self._conn.interrupt()
        self.stop()

    async def close(self) -> None:
        # An abandoned connection closes in its own thread, once its statement returns.
        if not self.abandoned:
            await super().close()


class TunedSqliteAdapter(SqliteAsyncAdapter):  # type: ignore[misc]
    def __init__(self, database_file: SqliteDatabaseFile, query_timeout: float) -> None:
        self._file = database_file
        busy_timeout_ms = round(query_timeout * BUSY_TIMEOUT_SHARE * 1000)
        self._pragmas = (f"PRAGMA busy_timeout={busy_timeout_ms}", *PRAGMAS)

    async def connect_async(self, config: ConnectionConfig) -> Any:
        connector = partial(sqlite3.connect, self._file.open_uri, uri=True, **config.extra)
        connection = _PooledConnection(connector, iter_chunk_size=64)
        await connection  # starts the connection's thread and opens the database
        try:
            connection.row_factory = aiosqlite.Row
            for pragma in self._pragmas:
                await connection.run_statement(pragma, ())
            connection.file_identity = self._file.adopt()
            connection.opened_writable = self._file.writable()
        except BaseException:
            await connection.close()
            raise
        return connection

    def is_connection_alive(self, connection: _PooledConnection) -> bool:
        return connection.fits(self._file)

    def abandon(self, connection: _PooledConnection) -> None:
        connection.abandon()

    async def reset(self, connection: _PooledConnection) -> None:
        """What the pool does to a returned connection: end its transaction, if any.

        After a plain read there is nothing to undo, so no trip to the connection's
        thread; an abandoned connection fails here, so the pool discards it.
        """
        if connection.abandoned or connection.in_transaction:
            await connection.rollback()

    async def begin_async(self, connection: _PooledConnection) -> None:
        if not connection.in_transaction:
            await connection.run_statement("BEGIN IMMEDIATE", ())

    async def execute_async(
        self, connection: _PooledConnection, sql: str, params: Params | None = None
    ) -> FetchedStatement:
        return await connection.run_statement(sql, {} if params is None else params)


class SqliteConnectionManager(DeadlineConnectionManager):
    def __init__(self, config: ConnectionConfig, query_timeout: float) -> None:
        super().__init__(config)
        self._adapter = TunedSqliteAdapter(SqliteDatabaseFile(config.database), query_timeout)
