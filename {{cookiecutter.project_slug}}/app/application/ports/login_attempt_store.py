"""What the login throttle counts in: fixed-window counters by key."""

from typing import Protocol


class LoginAttemptStore(Protocol):
    """Satisfied by {% if cookiecutter.use_redis == "true" %}RedisThrottleStore (app/infrastructure/redis/){% else %}InMemoryThrottleStore (app/infrastructure/throttle/){% endif %}, which the
    rate-limit stages count in too.

    Counts are per key, in a window that starts with the key's first increment;
    a key whose window is over counts 0 again.
    """

    async def increment(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Add one; return the new count and the seconds left in the window."""
        ...

    async def peek(self, key: str) -> tuple[int, int]:
        """The count and the seconds left, without adding; (0, 0) for none."""
        ...

    async def decrement(self, key: str) -> None:
        """Take one back; a key back at 0 is forgotten (as by `reset`), one with none ignored."""
        ...

    async def reset(self, key: str) -> None: ...
