"""Fixed-window counters in Redis, shared by every worker and instance of the service.

The same four methods as InMemoryThrottleStore, for the rate-limit stages
(fastapi-request-pipeline's ThrottleBackend) and the login throttle
(LoginAttemptStore). Each is one round trip and atomic: a Lua script runs on
the server without any other command in between, so two workers counting the
same key at once get two different counts, and the window's expiry is set in
the same step as its first count: no key outlives its window.
"""

import math
from typing import Any

from redis.asyncio import Redis

from app.infrastructure.redis.bounded_command import bounded

# A key that exists without an expiry (its window lost, or the key written by
# something else) gets this window now, so it cannot hold a limit forever.
_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    left = tonumber(ARGV[1])
end
return {count, left}
"""

_PEEK = """
local count = redis.call('GET', KEYS[1])
if not count then
    return {0, 0}
end
return {tonumber(count), redis.call('PTTL', KEYS[1])}
"""

# DECR keeps the key's expiry; at 0 the key goes, as in InMemoryThrottleStore.
_DECREMENT = """
local count = tonumber(redis.call('GET', KEYS[1]))
if not count then
    return 0
end
if count <= 1 then
    redis.call('DEL', KEYS[1])
    return 0
end
return redis.call('DECR', KEYS[1])
"""


class RedisThrottleStore:
    def __init__(self, client: Redis, *, prefix: str, timeout_seconds: float) -> None:
        self._client = client
        # Services (or environments) sharing one Redis database keep apart by it.
        self._prefix = prefix
        self._timeout = timeout_seconds

    async def increment(self, key: str, window_seconds: int) -> tuple[int, int]:
        count, left_ms = await self._eval(_INCREMENT, key, window_seconds * 1000)
        return count, _seconds(left_ms)

    async def peek(self, key: str) -> tuple[int, int]:
        count, left_ms = await self._eval(_PEEK, key)
        return (0, 0) if count == 0 else (count, _seconds(left_ms))

    async def decrement(self, key: str) -> None:
        await self._eval(_DECREMENT, key)

    async def reset(self, key: str) -> None:
        await bounded(self._client.delete(self._prefix + key), self._timeout)

    async def _eval(self, script: str, key: str, *args: int) -> Any:
        # EVAL, not EVALSHA: one round trip always, even after a server restart
        # forgot its script cache; the server caches the compiled script itself.
        return await bounded(self._client.eval(script, 1, self._prefix + key, *args), self._timeout)


def _seconds(milliseconds: int) -> int:
    """Seconds left in a window, rounded up: never 0 while the key still counts."""
    return max(1, math.ceil(milliseconds / 1000))
