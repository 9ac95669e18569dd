"""The Redis client of one process: every wait it can make is bounded by REDIS_TIMEOUT_SECONDS."""

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.infrastructure.config import Settings

# Per process. A throttle check holds a connection for one round trip, well under a
# millisecond next to the server, so a few dozen keep up with thousands of requests a
# second; beyond them a caller waits for one to come free, within the same bound.
MAX_CONNECTIONS = 32


def create_redis_client(settings: Settings, *, blocking_seconds: float = 0.0) -> Redis:
    """A client whose commands may also block on the server for up to `blocking_seconds`.

    A reply that takes longer than REDIS_TIMEOUT_SECONDS plus that is given up on the
    socket; callers still bound each command themselves (bounded_command.py), a
    blocking read by its block plus REDIS_TIMEOUT_SECONDS, everything else by the latter.
    """
    seconds = settings.redis_timeout_seconds
    pool = BlockingConnectionPool.from_url(
        settings.redis_url.get_secret_value(),
        max_connections=MAX_CONNECTIONS,
        timeout=seconds,
        socket_connect_timeout=seconds,
        socket_timeout=seconds + blocking_seconds,
        # redis-py 8 would retry a failed command up to 10 times, each try with its own
        # timeouts: the bound would multiply. A request fails once and is answered 503.
        retry=Retry(NoBackoff(), 0),
    )
    return Redis.from_pool(pool)
