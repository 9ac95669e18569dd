"""Moves committed events from the outbox to a publisher, a batch at a time.

A batch is claimed for a lease, published, then marked; a relay that dies in
between leaves its claim to expire, and the events go out again (at least once).
"""

from dataclasses import dataclass
from datetime import timedelta

from app.application.ports.event_publisher import EventPublisher, PublishIncompleteError
from app.application.ports.outbox import Outbox
from app.domain.services.clock import Clock


@dataclass(frozen=True, slots=True)
class RelayLimits:
    batch_size: int
    # Longer than publishing a batch can take, or a slow relay's events go out twice.
    lease: timedelta


class OutboxRelay:
    def __init__(
        self, outbox: Outbox, publisher: EventPublisher, clock: Clock, limits: RelayLimits
    ) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._clock = clock
        self._limits = limits

    async def relay_batch(self) -> int:
        """Publish one batch; how many events went out (0: the outbox had none to give).

        On failure the events published before it are marked, the rest released for
        the next attempt, and the error raised.
        """
        batch = await self._outbox.claim(
            limit=self._limits.batch_size, now=self._clock.now(), lease=self._limits.lease
        )
        if not batch.records:
            return 0
        try:
            await self._publisher.publish(batch.records)
        except PublishIncompleteError as error:
            await self._outbox.mark_published(batch, error.published, self._clock.now())
            raise
        await self._outbox.mark_published(batch, len(batch.records), self._clock.now())
        return len(batch.records)

    async def drain(self) -> int:
        """Relay until the outbox has nothing left to claim; the number published."""
        total = 0
        while published := await self.relay_batch():
            total += published
        return total
