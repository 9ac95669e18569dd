"""Who counts the requests a limit refused (429), by the limit's name.

Called on a refusal only, so an admitted request costs nothing more.
"""

from typing import Protocol


class RejectionCounter(Protocol):
    def rejected(self, limit: str) -> None:
        """One request refused by `limit` (a rate limit's scope, or a login-throttle limit)."""
        ...
