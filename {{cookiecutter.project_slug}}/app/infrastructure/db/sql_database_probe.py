"""The database's state for readiness, read with the named queries in sql/health/."""

from row_query import AsyncEngine, RowQueryError

from app.application.ports.database_probe import DatabaseState
from app.infrastructure.errors import is_read_only, is_transient


class SqlDatabaseProbe:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def probe(self) -> DatabaseState:
        try:
            tracked = bool(await self._engine.fetch_scalar("health.migrations_table"))
        except RowQueryError as error:
            if not is_transient(error):
                raise
            return DatabaseState(reachable=False)
        if not tracked:
            return DatabaseState(reachable=True)
        version = await self._engine.fetch_scalar("health.schema_version")
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
