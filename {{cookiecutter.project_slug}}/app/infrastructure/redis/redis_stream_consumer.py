"""Reads the event stream in a consumer group and hands each entry to the subscribers.

Every consumer of one group (EVENTS_CONSUMER_GROUP, one per subscribing service)
gets its own share of the entries. An entry is acknowledged (XACK) only once it was
delivered; until then it is pending, held by the consumer that read it. A consumer
that died leaves its pending entries behind: once they have been idle
EVENTS_CLAIM_IDLE_SECONDS another takes them over (XAUTOCLAIM) and delivers them
again, which the subscribers' processed-event marks make harmless. One that restarts
under its name (EVENTS_CONSUMER_NAME, or the host's) delivers what it held first.

Each batch, a consumer first takes over what is abandoned, then delivers what it
holds itself (taken over, or left by a failed batch) before reading anything new:
an event that failed is retried before any later one, so one consumer keeps each
aggregate's order. Several consumers in a group deliver side by side, and two
events of one aggregate may then be handled at the same time.

An entry that failed EVENTS_MAX_DELIVERIES times for a reason of its own (not an
outage, not an event type newer than this code) moves to the dead-letter stream
"<stream>:dead", with the reason, and the entries behind it go on.
"""

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.typing import EncodableT, FieldT

from app.application.bus.event_bus import EventNotHandledError
from app.application.events.event_record import EventRecord
from app.application.events.event_serialization import UnknownEventError
from app.infrastructure.errors import RedisUnavailableError, is_transient
from app.infrastructure.redis.bounded_command import bounded
from app.infrastructure.redis.stream_entry import MalformedEntryError, from_fields, shortened

logger = logging.getLogger("app.events")

Deliver = Callable[[EventRecord], Awaitable[None]]
Entry = tuple[bytes, dict[bytes, bytes]]

# XREADGROUP ids: the entries this consumer already holds, and those nobody was given.
_HELD = "0"
_NEW = ">"
_FIRST_ID = "0-0"
# How much of a failure a dead letter keeps: the subscribers' messages, not a novel.
_REASON_CHARACTERS = 1000


@dataclass(frozen=True, slots=True)
class ConsumerLimits:
    batch_size: int
    # How long a read waits on the server for new entries: the consumer's idle pace.
    block_seconds: float
    claim_idle_seconds: float
    # Every other command's bound (REDIS_TIMEOUT_SECONDS).
    timeout_seconds: float
    max_deliveries: int


class EntryNotDeliveredError(RuntimeError):
    """An entry's delivery failed; it stays pending and comes first in the next batch."""


class RedisStreamConsumer:
    def __init__(
        self,
        client: Redis,
        deliver: Deliver,
        *,
        stream: str,
        dead_letter_stream: str,
        group: str,
        name: str,
        limits: ConsumerLimits,
    ) -> None:
        self._client = client
        self._deliver = deliver
        self._stream = stream
        self._dead_letter_stream = dead_letter_stream
        self._group = group
        self._name = name
        self._limits = limits
        self._group_exists = False
        # Where the scan for abandoned entries goes on: XAUTOCLAIM looks at a bounded
        # stretch of the pending entries per call.
        self._claim_cursor: bytes | str = _FIRST_ID
        # Redis counts a delivery each time an entry is read or taken over. Those that
        # were no failure of the entry's own are counted here, per held entry, and do
        # not bring it closer to the dead-letter stream: its retries during an outage,
        # the rereads while it waited behind a failed entry, a takeover's extra count.
        # Forgotten at a restart, which then only dead-letters sooner.
        self._uncounted: Counter[bytes] = Counter()

    async def consume_batch(self) -> int:
        try:
            return await self._consume_batch()
        except RedisUnavailableError:
            # The stream may have gone with its group (a restart without persistence, a
            # FLUSHDB): the next batch creates the group again before it reads.
            self._group_exists = False
            raise

    async def _consume_batch(self) -> int:
        if not self._group_exists:
            await self._bounded(self._create_group())
            self._group_exists = True
        await self._take_over_abandoned()
        entries = await self._read(_HELD) or await self._read(_NEW)
        return await self._handle(entries)

    async def _create_group(self) -> None:
        # From the stream's first entry: events appended before any consumer ever
        # started are delivered too. MKSTREAM: the consumer may start before the relay.
        try:
            await self._client.xgroup_create(self._stream, self._group, id="0", mkstream=True)
        except ResponseError as error:
            if not str(error).startswith("BUSYGROUP"):  # BUSYGROUP: it exists already
                raise

    async def _take_over_abandoned(self) -> None:
        """Make the entries idle past EVENTS_CLAIM_IDLE_SECONDS this consumer's own."""
        reply = await self._bounded(
            self._client.xautoclaim(
                self._stream,
                self._group,
                self._name,
                min_idle_time=int(self._limits.claim_idle_seconds * 1000),
                start_id=self._claim_cursor,
                count=self._limits.batch_size,
            )
        )
        # [where the scan goes on ("0-0": from the start again), the entries taken over,
        # ids gone from the stream]. The entries are read below with whatever else this
        # consumer holds, in stream order (JUSTID would save that, but redis-py then
        # drops the cursor); that read counts the takeover's delivery a second time.
        cursor, taken_over, *_ = cast(list[Any], reply)
        self._claim_cursor = cursor
        self._uncounted.update(entry_id for entry_id, _ in taken_over)

    async def _read(self, start: str) -> list[Entry]:
        block = start == _NEW
        reply = await self._bounded(
            self._client.xreadgroup(
                self._group,
                self._name,
                {self._stream: start},
                count=self._limits.batch_size,
                block=int(self._limits.block_seconds * 1000) if block else None,
            ),
            waiting=self._limits.block_seconds if block else 0.0,
        )
        # [[stream, [(id, fields), ...]]], or [] when a blocking read got nothing.
        return [entry for _, entries in cast(list[list[Any]], reply) for entry in entries]

    async def _handle(self, entries: list[Entry]) -> int:
        """Deliver in stream order, stopping at the first failure (but moving an entry that
        is out of deliveries to the dead-letter stream); acknowledge what went."""
        done: list[bytes] = []
        dead_lettered: list[bytes] = []
        try:
            for position, (entry_id, fields) in enumerate(entries):
                try:
                    delivered = await self._handle_entry(entry_id, fields)
                except BaseException:
                    # Read again in the next batch, without being delivered in this one.
                    self._uncounted.update(later for later, _ in entries[position + 1 :])
                    raise
                (done if delivered else dead_lettered).append(entry_id)
        finally:
            # Also after a failure: what was delivered before it is done. The failed event
            # and those after it stay pending and come first in the next batch.
            held = {entry_id for entry_id, _ in entries}.difference(done, dead_lettered)
            self._uncounted = Counter(
                {entry_id: count for entry_id, count in self._uncounted.items() if entry_id in held}
            )
            if done:
                await self._bounded(self._client.xack(self._stream, self._group, *done))
        return len(done) + len(dead_lettered)

    async def _handle_entry(self, entry_id: bytes, fields: dict[bytes, bytes]) -> bool:
        """Deliver one entry: True once delivered (or unreadable), False if dead-lettered."""
        try:
            record = from_fields(fields)
        except MalformedEntryError as error:
            # No redelivery can make it readable, and left pending it would come back for
            # ever and hold up every later event: say so, and let it go.
            logger.warning(
                "Skipped stream entry %s of %s: %s", entry_id.decode(), self._stream, error
            )
            return True
        try:
            await self._deliver(record)
        except Exception as error:  # whatever a subscriber raised
            described = f"stream entry {entry_id.decode()} (event {record.event_id})"
            if _retry_may_help(error):
                self._uncounted[entry_id] += 1
                raise EntryNotDeliveredError(f"{described} failed, to be retried") from error
            deliveries = await self._deliveries(entry_id) - self._uncounted[entry_id]
            if deliveries < self._limits.max_deliveries:
                raise EntryNotDeliveredError(
                    f"{described} failed in delivery {deliveries} of at most "
                    f"{self._limits.max_deliveries} (EVENTS_MAX_DELIVERIES)"
                ) from error
            reason = shortened(_reason(error), _REASON_CHARACTERS)
            await self._dead_letter(entry_id, fields, reason)
            logger.error(
                "Moved %s of %s to %s after %d deliveries: %s",
                described,
                self._stream,
                self._dead_letter_stream,
                deliveries,
                reason,
            )
            return False
        return True

    async def _deliveries(self, entry_id: bytes) -> int:
        """How often Redis handed the entry to a consumer of the group, this time included."""
        reply = await self._bounded(
            self._client.xpending_range(
                self._stream, self._group, min=entry_id, max=entry_id, count=1
            )
        )
        # Nothing when it is pending no more: another consumer took it over and was done.
        return int(reply[0]["times_delivered"]) if reply else 0

    async def _dead_letter(
        self, entry_id: bytes, fields: Mapping[bytes, bytes], reason: str
    ) -> None:
        letter: dict[FieldT, EncodableT] = {name: value for name, value in fields.items()}
        letter |= {"reason": reason, "failed_at": datetime.now(UTC).isoformat()}
        # Both or neither: an entry acknowledged but never written to the dead-letter
        # stream would be lost, one written but not acknowledged would come back.
        transaction = self._client.pipeline(transaction=True)
        transaction.xadd(self._dead_letter_stream, letter)
        transaction.xack(self._stream, self._group, entry_id)
        await self._bounded(transaction.execute())

    async def _bounded(self, command: Awaitable[Any], *, waiting: float = 0.0) -> Any:
        return await bounded(command, self._limits.timeout_seconds + waiting)


def _retry_may_help(error: Exception) -> bool:
    """An outage (the database, Redis), or an event type or version this code does not
    know yet (a rolling deploy: a newer consumer takes it over): never dead-lettered."""
    if isinstance(error, EventNotHandledError):
        return all(_retry_may_help(failure) for failure in error.failures.values())
    return isinstance(error, UnknownEventError) or is_transient(error)


def _reason(error: Exception) -> str:
    if isinstance(error, EventNotHandledError):
        return "; ".join(
            f"{subscriber}: {_reason(failure)}" for subscriber, failure in error.failures.items()
        )
    return f"{type(error).__name__}: {' '.join(str(error).split())}"
