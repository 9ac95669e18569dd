"""What query handlers need from the database: named SQL in, plain rows out."""

from collections.abc import Mapping
from typing import Any, Protocol


class ReadDatabase(Protocol):
    """Satisfied by the rowquery engine; named queries live in infrastructure/sql/."""

    async def fetch_one(
        self, query: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None: ...

    async def fetch_all(
        self, query: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]: ...
