"""The unit of work a subscriber gets: entering it marks the event handled, in the same
transaction, so the subscriber's effect and that mark commit together or not at all.

On a redelivery the mark is already there: the event bus asks `handled_before()` and
does not call the subscriber at all. Two deliveries at once both get past that read;
entering then raises EventAlreadyHandledError in the second (its mark waits for the
first's transaction to end), which the bus takes as "done".
"""

import uuid
from types import TracebackType
from typing import Self

from app.application.ports.account_activity_log import AccountActivityLog
from app.application.ports.processed_event_log import ProcessedEventLog
from app.application.unit_of_work import UnitOfWork
from app.domain.interfaces.refresh_token_repository import RefreshTokenRepository
from app.domain.interfaces.user_repository import UserRepository
from app.domain.services.clock import Clock


class EventAlreadyHandledError(Exception):
    """This subscriber's effect of this event committed before: nothing more to do."""


class SubscriberReenteredError(RuntimeError):
    """A subscriber opened its unit of work twice: the second block would not be once."""


class HandledOnceUnitOfWork:
    def __init__(
        self,
        inner: UnitOfWork,
        *,
        event_id: uuid.UUID,
        subscriber: str,
        clock: Clock,
        marks: ProcessedEventLog,
    ) -> None:
        """`marks` answers `contains` outside any transaction: the committed marks."""
        self._inner = inner
        self._marks = marks
        self._event_id = event_id
        self._subscriber = subscriber
        self._clock = clock
        self.entered = False

    @property
    def users(self) -> UserRepository:
        return self._inner.users

    @property
    def refresh_tokens(self) -> RefreshTokenRepository:
        return self._inner.refresh_tokens

    @property
    def processed_events(self) -> ProcessedEventLog:
        return self._inner.processed_events

    @property
    def account_activity(self) -> AccountActivityLog:
        return self._inner.account_activity

    async def handled_before(self) -> bool:
        """Whether a delivery before this one committed the subscriber's mark.

        One plain read, no transaction (on SQLite no write lock to wait for): entering
        still checks, in the transaction, for a delivery that races this one.
        """
        return await self._marks.contains(self._event_id, self._subscriber)

    async def __aenter__(self) -> Self:
        if self.entered:
            raise SubscriberReenteredError(
                f"{self._subscriber} opened its unit of work twice: a subscriber's effect "
                "is one transaction, marked handled with it"
            )
        self.entered = True
        await self._inner.__aenter__()
        try:
            first_time = await self._inner.processed_events.record(
                self._event_id, self._subscriber, self._clock.now()
            )
            if not first_time:
                raise EventAlreadyHandledError(f"{self._subscriber} handled {self._event_id}")
        except BaseException as error:
            await self._inner.__aexit__(type(error), error, error.__traceback__)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, traceback)
