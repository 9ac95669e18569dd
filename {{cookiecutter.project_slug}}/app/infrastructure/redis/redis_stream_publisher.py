"""The relay's publisher with use_redis: each event appended to one Redis Stream (XADD)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from app.application.events.event_record import EventRecord
from app.application.ports.event_publisher import PublishIncompleteError
from app.infrastructure.errors import RedisUnavailableError
from app.infrastructure.redis.bounded_command import bounded
from app.infrastructure.redis.stream_entry import to_fields


class RedisStreamPublisher:
    def __init__(
        self, client: Redis, *, stream: str, dead_letter_stream: str, timeout_seconds: float
    ) -> None:
        self._client = client
        self._stream = stream
        self._dead_letter_stream = dead_letter_stream
        self._timeout = timeout_seconds

    async def publish(self, records: Sequence[EventRecord]) -> None:
        """Append `records` in order, in one round trip; Redis numbers them by time."""
        # Not a transaction: MULTI would not make the appends any more "once" (the reply
        # can still be lost after they happened), and the server runs them in order anyway.
        pipeline = self._client.pipeline(transaction=False)
        for record in records:
            pipeline.xadd(self._stream, to_fields(record))
        try:
            await bounded(pipeline.execute(), self._timeout)
        except RedisUnavailableError as error:
            # Some appends may have happened even so (only the reply was lost): the relay
            # sends the whole batch again, and the consumers' processed-event marks turn
            # the repeats into nothing.
            raise PublishIncompleteError(0) from error

    async def purge(self, before: datetime) -> int:
        """Drop the entries appended before `before` that every group is done with.

        An entry's id starts with the millisecond Redis appended it at, so MINID cuts
        exactly there (not the approximate "~", which may keep some for speed). But
        never past what a consumer group still needs, its oldest pending entry or the
        first one it was not given: a subscribing service that was down for longer than
        the retention catches up instead of losing events. A group nobody reads any
        more holds the stream at its place: retire it with XGROUP DESTROY.

        The dead letters go by their own ids, the time they were moved there: nothing
        reads that stream in a group.
        """
        cutoff = (int(before.timestamp() * 1000), 0)
        keep_from = cutoff
        for group in await self._groups():
            keep_from = min(keep_from, await self._first_needed(group))
        trimmed = 0
        for stream, first_kept in ((self._stream, keep_from), (self._dead_letter_stream, cutoff)):
            trimmed += cast(
                int,
                await bounded(
                    self._client.xtrim(stream, minid=_entry_id(first_kept), approximate=False),
                    self._timeout,
                ),
            )
        return trimmed

    async def _groups(self) -> list[dict[str, Any]]:
        try:
            groups = await bounded(self._client.xinfo_groups(self._stream), self._timeout)
        except RedisUnavailableError as error:
            if isinstance(error.__cause__, ResponseError) and "no such key" in str(error).lower():
                return []  # no stream yet: nothing to trim
            raise
        return cast(list[dict[str, Any]], groups)

    async def _first_needed(self, group: dict[str, Any]) -> tuple[int, int]:
        if int(group["pending"]):
            summary = await bounded(
                self._client.xpending(self._stream, group["name"]), self._timeout
            )
            return _parse_id(cast(dict[str, Any], summary)["min"])
        milliseconds, sequence = _parse_id(group["last-delivered-id"])
        return milliseconds, sequence + 1


def _parse_id(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    milliseconds, _, sequence = text.partition("-")
    return int(milliseconds), int(sequence or 0)


def _entry_id(parts: tuple[int, int]) -> str:
    return f"{parts[0]}-{parts[1]}"
