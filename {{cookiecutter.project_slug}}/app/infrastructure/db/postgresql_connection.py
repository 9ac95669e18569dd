"""PostgreSQL connections in autocommit mode, with explicit transactions.

rowquery's default connections open an implicit transaction on the first
statement, so a plain read costs three round trips (BEGIN, SELECT, and the
ROLLBACK when the pool takes the connection back). In autocommit mode a read is
one round trip, and the unit of work still gets a real transaction because
`begin_async` sends BEGIN; commit and rollback then end it as usual.
"""

from typing import Any

import psycopg
from psycopg.rows import dict_row
from row_query import AsyncConnectionManager, ConnectionConfig
from row_query.adapters.postgresql import PostgresqlAsyncAdapter


def libpq_parameters(config: ConnectionConfig) -> dict[str, Any]:
    """psycopg connection keywords for a parsed DATABASE_URL."""
    return {
        "host": config.host,
        "port": config.port,
        "user": config.user,
        "password": config.password,
        "dbname": config.database,
        **config.extra,
    }


class AutocommitPostgresqlAdapter(PostgresqlAsyncAdapter):  # type: ignore[misc]
    async def connect_async(self, config: ConnectionConfig) -> Any:
        return await psycopg.AsyncConnection.connect(
            **libpq_parameters(config), autocommit=True, row_factory=dict_row
        )

    async def begin_async(self, connection: Any) -> None:
        await connection.execute("BEGIN")


class PostgresqlConnectionManager(AsyncConnectionManager):  # type: ignore[misc]
    def __init__(self, config: ConnectionConfig) -> None:
        super().__init__(config)
        self._adapter = AutocommitPostgresqlAdapter()
