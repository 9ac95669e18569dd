"""PostgreSQL connections in autocommit mode, with explicit transactions.

rowquery's default connections open an implicit transaction on the first
statement, so a plain read costs three round trips (BEGIN, SELECT, and the
ROLLBACK when the pool takes the connection back). In autocommit mode a read is
one round trip, and the unit of work still gets a real transaction because
`begin_async` sends BEGIN; commit and rollback then end it as usual.

The server enforces the query timeout too (statement, lock and idle-in-transaction
timeouts), so a statement the service gave up on does not run on. When a
connection turns out to be dead (the server restarted or failed over), every
connection that was idle in the pool died with it: they are all dropped, and the
failure is a ConnectionLostError, which reads and BEGIN may retry.
"""

from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from row_query import ConnectionConfig
from row_query.adapters.postgresql import PostgresqlAsyncAdapter

from app.infrastructure.db.deadline import DeadlineConnectionManager
from app.infrastructure.errors import ConnectionLostError


def libpq_parameters(config: ConnectionConfig, *, options: str = "") -> dict[str, Any]:
    """psycopg connection keywords for a parsed DATABASE_URL.

    `options` are server settings (`-c name=value ...`) put before the URL's own
    `options`: the server applies them in order, so what DATABASE_URL sets wins.
    """
    parameters: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "user": config.user,
        "password": config.password,
        "dbname": config.database,
        **config.extra,
    }
    if options:
        parameters["options"] = f"{options} {parameters.get('options', '')}".rstrip()
    return parameters


def server_timeouts(query_timeout: float) -> str:
    """libpq `options` that make the server give up when the service does."""
    milliseconds = max(1, round(query_timeout * 1000))
    return " ".join(
        f"-c {setting}={milliseconds}"
        for setting in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
    )


class AutocommitPostgresqlAdapter(PostgresqlAsyncAdapter):  # type: ignore[misc]
    def __init__(self, query_timeout: float) -> None:
        self._timeouts = server_timeouts(query_timeout)
        # Bumped whenever a connection is found dead: older connections are not reused.
        self._generation = 0
        self._generations: WeakKeyDictionary[Any, int] = WeakKeyDictionary()

    async def connect_async(self, config: ConnectionConfig) -> Any:
        connection = await psycopg.AsyncConnection.connect(
            **libpq_parameters(config, options=self._timeouts),
            autocommit=True,
            row_factory=dict_row,
        )
        self._generations[connection] = self._generation
        return connection

    def is_connection_alive(self, connection: Any) -> bool:
        current = self._generations.get(connection) == self._generation
        return current and not connection.closed

    def abandon(self, connection: Any) -> None:
        # Closes the socket without a word to the server, which may be frozen. A timeout
        # says nothing about the other connections: they stay.
        self._generations.pop(connection, None)
        connection.pgconn.finish()

    async def reset(self, connection: Any) -> None:
        """What the pool does to a returned connection: end its transaction, if any.

        In autocommit mode a connection between statements holds none, so a plain
        read's connection goes back as it is, without even psycopg's lock.
        """
        if connection.info.transaction_status != TransactionStatus.IDLE:
            await connection.rollback()

    async def begin_async(self, connection: Any) -> None:
        await self.execute_async(connection, "BEGIN")

    async def execute_async(
        self, connection: Any, sql: str, params: dict[str, Any] | tuple[Any, ...] | None = None
    ) -> Any:
        try:
            return await connection.execute(sql, params)
        except psycopg.OperationalError as error:
            if not connection.closed or connection not in self._generations:
                raise  # a statement or lock timeout (the connection is fine), or abandoned
            self._generation += 1
            raise ConnectionLostError(f"Database connection lost: {error}") from error


class PostgresqlConnectionManager(DeadlineConnectionManager):
    def __init__(self, config: ConnectionConfig, query_timeout: float) -> None:
        super().__init__(config)
        self._adapter = AutocommitPostgresqlAdapter(query_timeout)
