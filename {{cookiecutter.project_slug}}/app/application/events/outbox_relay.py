"""Moves committed events from the outbox to a publisher, a batch at a time.

A batch is claimed for a lease, published, then marked; a relay that dies in
between leaves its claim to expire, and the events go out again (at least once).
A relay that outlived its lease still marks what it delivered, and says so.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.application.ports.event_publisher import (
    EventPublisher,
    EventRefusedError,
    PublishIncompleteError,
)
from app.application.ports.outbox import Outbox, OutboxBatch
from app.domain.services.clock import Clock

logger = logging.getLogger("app.events")


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
        the next attempt, and the error raised. An event its subscribers refused keeps
        its claim until the lease ends: it does not hold up the other aggregates'.
        """
        claimed_at = self._clock.now()
        batch = await self._outbox.claim(
            limit=self._limits.batch_size, now=claimed_at, lease=self._limits.lease
        )
        if not batch.records:
            return 0
        try:
            await self._publisher.publish(batch.records)
        except EventRefusedError as error:
            # That event waits out its lease; the others, and the next batches, go on.
            await self._mark(batch, error.published, claimed_at, hold_next=True)
            raise
        except PublishIncompleteError as error:
            await self._mark(batch, error.published, claimed_at)
            raise
        except Exception:
            # How far it got is unknown: all of it goes again, now rather than once the
            # lease ran out (what was delivered arrives twice, and is handled once).
            await self._mark(batch, 0, claimed_at)
            raise
        await self._mark(batch, len(batch.records), claimed_at)
        return len(batch.records)

    async def _mark(
        self, batch: OutboxBatch, count: int, claimed_at: datetime, *, hold_next: bool = False
    ) -> None:
        now = self._clock.now()
        marked = await self._outbox.mark_published(batch, count, now, hold_next=hold_next)
        if marked.lost:
            # Another relay took those events over and delivers them again (handled once):
            # with a lease shorter than a batch takes, every batch goes out twice.
            logger.warning(
                "Lost the claim on %d of %d event(s): EVENTS_CLAIM_SECONDS (%g) is shorter "
                "than the batch took (%.1f s); marked published all the same",
                marked.lost,
                count,
                self._limits.lease.total_seconds(),
                (now - claimed_at).total_seconds(),
            )

    async def drain(self) -> int:
        """Relay until the outbox has nothing left to claim; the number published.

        An event its subscribers refused waits out its lease while the others go; the
        first refusal is raised once nothing is left (any other failure at once).
        """
        total = 0
        refused: EventRefusedError | None = None
        while True:
            try:
                published = await self.relay_batch()
            except EventRefusedError as error:
                refused = refused or error
                continue
            if not published:
                break
            total += published
        if refused is not None:
            raise refused
        return total
