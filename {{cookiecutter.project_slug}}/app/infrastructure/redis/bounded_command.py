"""How every Redis command runs: within REDIS_TIMEOUT_SECONDS, failing one way."""

import asyncio
from collections.abc import Awaitable

from redis.exceptions import RedisError

from app.infrastructure.errors import RedisUnavailableError


async def bounded(command: Awaitable[object], seconds: float) -> object:
    """Await `command` for at most `seconds`, connecting and pool wait included.

    Refused, reset, timed out, no pooled connection free, an error reply: the
    caller cannot tell these apart and need not, so each is RedisUnavailableError.
    The message carries redis-py's reason (a host and port at most, no password)
    for the log; the client's answer shows none of it.
    """
    try:
        async with asyncio.timeout(seconds):
            return await command
    except TimeoutError as error:
        raise RedisUnavailableError(
            f"Redis did not answer within {seconds:g} s (REDIS_TIMEOUT_SECONDS)"
        ) from error
    except (RedisError, OSError) as error:
        # redis-py names the host and port at most, never the password.
        reason = " ".join(str(error).split())
        raise RedisUnavailableError(f"Redis failed: {type(error).__name__}: {reason}") from error
