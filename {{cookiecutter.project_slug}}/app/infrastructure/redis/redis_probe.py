"""Readiness asks Redis for a PING: an instance that cannot reach it would answer 503."""

from redis.asyncio import Redis

from app.infrastructure.errors import RedisUnavailableError
from app.infrastructure.redis.bounded_command import bounded


class RedisProbe:
    def __init__(self, client: Redis, *, timeout_seconds: float) -> None:
        self._client = client
        self._timeout = timeout_seconds

    async def reachable(self) -> bool:
        try:
            await bounded(self._client.ping(), self._timeout)
        except RedisUnavailableError:
            return False
        return True
