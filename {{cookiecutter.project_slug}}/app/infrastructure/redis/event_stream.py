"""The Redis Stream the domain events travel through: the relay appends, consumers read.

Entries no subscriber could handle (EVENTS_MAX_DELIVERIES) go on to "<stream>:dead".
Without REDIS_URL (local only) there is none: the relay hands the events to this
process's subscribers itself (LocalEventPublisher).
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.application.events.event_record import EventRecord
from app.infrastructure.config import Settings
from app.infrastructure.redis.redis_client import create_redis_client
from app.infrastructure.redis.redis_stream_consumer import ConsumerLimits, RedisStreamConsumer
from app.infrastructure.redis.redis_stream_publisher import RedisStreamPublisher


@dataclass(frozen=True, slots=True)
class EventStream:
    publisher: RedisStreamPublisher
    consumer: RedisStreamConsumer


@asynccontextmanager
async def event_stream(
    settings: Settings, deliver: Callable[[EventRecord], Awaitable[None]]
) -> AsyncIterator[EventStream | None]:
    if settings.counts_per_process:
        yield None
        return
    # A client of its own: its socket waits out a read that blocks for new entries up
    # to EVENTS_POLL_SECONDS, which the counters' client would take for a dead server.
    poll = settings.events_poll_seconds
    client = create_redis_client(settings, blocking_seconds=poll)
    try:
        stream = settings.event_stream_key
        dead_letter_stream = f"{stream}:dead"
        timeout = settings.redis_timeout_seconds
        yield EventStream(
            publisher=RedisStreamPublisher(
                client,
                stream=stream,
                dead_letter_stream=dead_letter_stream,
                timeout_seconds=timeout,
            ),
            consumer=RedisStreamConsumer(
                client,
                deliver,
                stream=stream,
                dead_letter_stream=dead_letter_stream,
                group=settings.events_consumer_group,
                name=settings.event_consumer_name,
                limits=ConsumerLimits(
                    batch_size=settings.events_batch_size,
                    block_seconds=poll,
                    claim_idle_seconds=settings.events_claim_idle_seconds,
                    timeout_seconds=timeout,
                    max_deliveries=settings.events_max_deliveries,
                ),
            ),
        )
    finally:
        await client.aclose()
