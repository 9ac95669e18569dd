"""What readiness asks of a dependency beyond the primary database: can it be reached?"""

from typing import Protocol


class ReachabilityProbe(Protocol):
    async def reachable(self) -> bool:
        """Whether the dependency answered within its bound; False, not an error, when not."""
        ...
