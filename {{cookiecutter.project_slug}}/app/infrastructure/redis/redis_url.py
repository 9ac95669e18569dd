"""REDIS_URL: the forms the service accepts, refused at startup in one readable line."""

import re
from urllib.parse import urlsplit

from redis.asyncio.connection import parse_url

_SCHEMES = ("redis", "rediss", "unix")
_DATABASE_PATH = re.compile(r"/?(\d+)?")
_EXAMPLES = "redis://HOST:6379/0, rediss://HOST:6380/0 (TLS) or unix:///PATH/redis.sock"


def require_redis_url(url: str) -> None:
    """Raise ValueError unless redis-py can connect with `url`.

    No message repeats any part of the URL: it may hold the password.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it is the check: a port that is no number raises
    except ValueError:
        raise ValueError(f"REDIS_URL is not a valid URL; expected {_EXAMPLES}") from None
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"REDIS_URL must use redis://, rediss:// or unix://, e.g. {_EXAMPLES}")
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError(f"REDIS_URL names no socket path; expected {_EXAMPLES}")
    elif not parts.hostname:
        raise ValueError(f"REDIS_URL names no host; expected {_EXAMPLES}")
    elif not _DATABASE_PATH.fullmatch(parts.path):
        # redis-py would quietly use database 0 instead.
        raise ValueError(f"REDIS_URL's path must be a database number; expected {_EXAMPLES}")
    try:
        parse_url(url)
    except ValueError:
        raise ValueError("REDIS_URL has a query option whose value redis-py refuses") from None
