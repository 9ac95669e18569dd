"""What readiness needs to know about the database, found out by infrastructure."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DatabaseState:
    """What the probe saw; None where it could not look (nothing beyond an unreachable database)."""

    reachable: bool
    # The newest migration applied; None as well when no migration was ever applied.
    schema_version: int | None = None
    writable: bool | None = None


class DatabaseProbe(Protocol):
    async def probe(self) -> DatabaseState:
        """Look at the database now; one that cannot be reached is a state, not an error."""
        ...
