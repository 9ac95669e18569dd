"""The database's state for readiness, read with the named queries in sql/health/."""

from row_query import AsyncEngine, RowQueryError

from app.application.ports.database_probe import DatabaseState
from app.application.read_database import ReadDatabase
from app.infrastructure.errors import is_read_only, is_transient


class SqlDatabaseProbe:
    """Reads through `reader`, which on PostgreSQL runs a read again on a fresh
    connection when its pooled one died (a server restart), so the first probe after
    a restart does not report a database that is up as unreachable."""

    def __init__(self, engine: AsyncEngine, reader: ReadDatabase) -> None:
        self._engine = engine
        self._reader = reader

    async def probe(self) -> DatabaseState:
        try:
            row = await self._reader.fetch_one("health.migrations_table")
            tracked = bool(row and row["present"])
        except RowQueryError as error:
            if not is_transient(error):
                raise
            return DatabaseState(reachable=False)
        if not tracked:
            return DatabaseState(reachable=True)
        row = await self._reader.fetch_one("health.schema_version")
        version = row["version"] if row else None
        return DatabaseState(
            reachable=True,
            schema_version=None if version is None else int(version),
            writable=await self._takes_writes(),
        )

    async def _takes_writes(self) -> bool:
        try:
            await self._engine.execute("health.write_probe")
        except RowQueryError as error:
            if is_read_only(error):
                return False
            raise
        return True
