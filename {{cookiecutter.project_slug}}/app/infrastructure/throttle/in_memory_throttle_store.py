"""Fixed-window counters in this process's memory.

One store serves the rate-limit stages (fastapi-request-pipeline's
ThrottleBackend: `increment`, `reset`) and the login throttle
(LoginAttemptStore), which also reads a counter without adding to it (`peek`)
and takes one back (`decrement`): the library's InMemoryThrottleBackend cannot,
and remembering which addresses signed in to an account, or giving back an
attempt that was counted before it was judged, needs it. Per process, and gone
with a restart: with several workers or instances each keeps its own counts.
{%- if cookiecutter.use_redis == "true" %}
So the service counts in RedisThrottleStore (app/infrastructure/redis/), which
has the same four methods, and here only while REDIS_URL is unset: on a
development machine (APP_ENV=local) without a Redis server.
{%- else %}
A project generated with use_redis=true counts in Redis instead, behind the
same four methods.
{%- endif %}
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

SWEEP_INTERVAL_SECONDS = 60.0


@dataclass(slots=True)
class _Window:
    count: int
    ends_at: float


class InMemoryThrottleStore:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._next_sweep = clock() + SWEEP_INTERVAL_SECONDS

    def __len__(self) -> int:
        return len(self._windows)

    async def increment(self, key: str, window_seconds: int) -> tuple[int, int]:
        now = self._clock()
        self._sweep(now)
        window = self._live(key, now)
        if window is None:
            window = self._windows[key] = _Window(count=0, ends_at=now + window_seconds)
        window.count += 1
        return window.count, _seconds_left(window, now)

    async def peek(self, key: str) -> tuple[int, int]:
        now = self._clock()
        window = self._live(key, now)
        return (0, 0) if window is None else (window.count, _seconds_left(window, now))

    async def decrement(self, key: str) -> None:
        window = self._live(key, self._clock())
        if window is None:
            return
        window.count -= 1
        if window.count <= 0:
            # Nothing left to remember: attempts given back (refused, abandoned) leave no key.
            del self._windows[key]

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)

    def _live(self, key: str, now: float) -> _Window | None:
        window = self._windows.get(key)
        return window if window is not None and window.ends_at > now else None

    def _sweep(self, now: float) -> None:
        # Memory stays bounded by the keys counted within their windows.
        if now < self._next_sweep:
            return
        self._windows = {key: w for key, w in self._windows.items() if w.ends_at > now}
        self._next_sweep = now + SWEEP_INTERVAL_SECONDS


def _seconds_left(window: _Window, now: float) -> int:
    return max(1, math.ceil(window.ends_at - now))
