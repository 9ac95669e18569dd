from typing import Any

import uvicorn

from app.server.connection_limits import ConnectionLimits


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the limits our protocol classes enforce.

    It travels to worker and reloader processes as uvicorn's own does (pickled), so
    every process enforces the same limits.
    """

    def __init__(self, app: str, *, limits: ConnectionLimits, **options: Any) -> None:
        super().__init__(app, **options)
        self.limits = limits


def limits_of(config: uvicorn.Config) -> ConnectionLimits:
    if not isinstance(config, ServerConfig):
        raise TypeError("the guarded HTTP protocols need a ServerConfig (python -m app serve)")
    return config.limits
