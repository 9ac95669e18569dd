"""The query side's database: a read that met a dead connection runs once more.

After a server restart or failover every pooled connection is dead, and the
first statement on each fails. A read changes nothing, so it is safe to run
again; by then the dead connection's idle siblings have been dropped, so the
second attempt gets a fresh connection. Writes never come through here: a
write whose connection broke may have committed, so it is never retried.
"""

from collections.abc import Mapping
from typing import Any

from row_query import AsyncEngine

from app.infrastructure.errors import ConnectionLostError


class RetryingReader:
    """Satisfies app.application.read_database.ReadDatabase."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def fetch_one(
        self, query: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        try:
            row: dict[str, Any] | None = await self._engine.fetch_one(query, params)
        except ConnectionLostError:
            row = await self._engine.fetch_one(query, params)
        return row

    async def fetch_all(
        self, query: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        try:
            rows: list[dict[str, Any]] = await self._engine.fetch_all(query, params)
        except ConnectionLostError:
            rows = await self._engine.fetch_all(query, params)
        return rows
