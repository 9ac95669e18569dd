"""The counters every process of the service counts in, and readiness's view of them.

Redis at REDIS_URL. Left unset, which only APP_ENV=local allows, the counters live
in this process's memory as in a project generated without Redis: the service
starts without a Redis server on a development machine, and `serve` warns when
several workers would each count on their own.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.infrastructure.config import Settings
from app.infrastructure.redis.redis_client import create_redis_client
from app.infrastructure.redis.redis_probe import RedisProbe
from app.infrastructure.redis.redis_throttle_store import RedisThrottleStore
from app.infrastructure.throttle.in_memory_throttle_store import InMemoryThrottleStore


@dataclass(frozen=True, slots=True)
class SharedCounters:
    store: RedisThrottleStore | InMemoryThrottleStore
    # None without Redis: readiness reports it "not_configured".
    probe: RedisProbe | None


@asynccontextmanager
async def shared_counters(settings: Settings) -> AsyncIterator[SharedCounters]:
    if settings.counts_per_process:
        yield SharedCounters(store=InMemoryThrottleStore(), probe=None)
        return
    # Connects on first use: a Redis that is down fails throttled requests (503), not startup.
    client = create_redis_client(settings)
    try:
        timeout = settings.redis_timeout_seconds
        # Shared by every worker and instance of this APP_NAME and APP_ENV on this Redis.
        prefix = f"{settings.app_name}:{settings.app_env}:throttle:"
        yield SharedCounters(
            store=RedisThrottleStore(client, prefix=prefix, timeout_seconds=timeout),
            probe=RedisProbe(client, timeout_seconds=timeout),
        )
    finally:
        await client.aclose()
