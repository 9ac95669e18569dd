from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectionLimits:
    """What a client may hold while its request is read (per server process)."""

    max_connections: int
    max_header_bytes: int
    header_timeout_seconds: float
    body_timeout_seconds: float
