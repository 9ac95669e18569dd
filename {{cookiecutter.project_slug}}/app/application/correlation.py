"""Where the work in hand came from: set by the HTTP middleware for each request, so that
what is logged deep inside (the security events) names the request and the client
without every call passing them along."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Correlation:
    request_id: str
    # The client's address as the server believes it (after a trusted proxy's header).
    client: str | None


current_correlation: ContextVar[Correlation | None] = ContextVar(
    "current_correlation", default=None
)
