"""Pool and bcrypt gauges, sampled every SAMPLE_SECONDS by a task of the worker's event loop.

Sampled, not updated on every change: acquiring a connection and hashing a password
stay as they were, and values of several worker processes are only ever added up
by the metrics port from files, where a collector asked at scrape time would see
the supervisor's own (empty) process. A gauge is at most SAMPLE_SECONDS old.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from app.infrastructure.db.bounded_engine import BoundedEngine
from app.infrastructure.metrics.service_metrics import (
    BCRYPT_PENDING,
    DB_POOL_IN_USE,
    DB_POOL_OPEN,
    DB_POOL_SIZE,
)
from app.infrastructure.security.bcrypt_password_hasher import BcryptPasswordHasher

SAMPLE_SECONDS = 1.0


def sample(engines: Mapping[str, BoundedEngine], hasher: BcryptPasswordHasher) -> None:
    for database, engine in engines.items():
        usage = engine.pool_usage
        DB_POOL_SIZE.labels(database).set(usage.size)
        DB_POOL_OPEN.labels(database).set(usage.open)
        DB_POOL_IN_USE.labels(database).set(usage.in_use)
    BCRYPT_PENDING.set(hasher.pending)


@asynccontextmanager
async def sampling(
    engines: Mapping[str, BoundedEngine], hasher: BcryptPasswordHasher
) -> AsyncIterator[None]:
    """Sample now and every SAMPLE_SECONDS, until the block ends."""

    async def keep_sampling() -> None:
        while True:
            sample(engines, hasher)
            await asyncio.sleep(SAMPLE_SECONDS)

    task = asyncio.create_task(keep_sampling(), name="metrics-sampler")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
