"""Hands each domain event to every subscriber of its type, each of them once in effect.

Subscribers are async functions marked `@event_handler(SomeEvent)` under
`app.application.subscribers`. As for handlers, the first parameter is the event
and every other one is named after a provider; `uow` is a unit of work of the
subscriber's own (handled_once.py) whose transaction also marks the event handled.
A subscriber that never opens it (its effect is outside the database) is marked
after it returns: a crash before the mark repeats that effect, so it must tolerate
one. A subscriber whose mark is there is not called again.

Subscribers run after the command's transaction committed, from the relay or the
stream consumer: a failing subscriber never undoes the command. It fails the
delivery instead, which is retried; the subscribers that succeeded skip it then.
One that takes longer than EVENTS_SUBSCRIBER_TIMEOUT_SECONDS is cancelled (its
unit of work rolls back) and has failed the same way.
"""

import asyncio
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
{%- if cookiecutter.python_version == "3.11" %}
from typing import TypeVar
{%- endif %}

from app.application.bus.message_bus import (
    Handler,
    Provider,
    dependency_names,
    mark_handler,
    marked_functions,
)
from app.application.events.handled_once import EventAlreadyHandledError, HandledOnceUnitOfWork
from app.domain.events.domain_event import DomainEvent

HandledOnce = Callable[[uuid.UUID, str], HandledOnceUnitOfWork]
{%- if cookiecutter.python_version == "3.11" %}
HandlerT = TypeVar("HandlerT", bound=Handler)


def event_handler(event_type: type[DomainEvent]) -> Callable[[HandlerT], HandlerT]:
{%- else %}


def event_handler[HandlerT: Handler](
    event_type: type[DomainEvent],
) -> Callable[[HandlerT], HandlerT]:
{%- endif %}
    return mark_handler(EventBus.kind, event_type)


class SubscriberTimeoutError(TimeoutError):
    """A subscriber did not finish within its time and was cancelled."""


class EventNotHandledError(Exception):
    """Some subscribers failed on an event; it has to be delivered again."""

    def __init__(self, event: DomainEvent, failures: Mapping[str, Exception]) -> None:
        failed = "; ".join(f"{name}: {type(error).__name__}" for name, error in failures.items())
        super().__init__(f"{type(event).__name__} {event.event_id} failed in {failed}")
        self.failures = dict(failures)


@dataclass(frozen=True, slots=True)
class Subscriber:
    name: str  # stored with each processed event: renaming a subscriber re-runs it
    handler: Handler
    dependencies: tuple[str, ...]


class EventBus:
    kind = "event"

    def __init__(
        self,
        subscribers: Mapping[type, Sequence[Subscriber]],
        providers: Mapping[str, Provider],
        handled_once: HandledOnce,
        *,
        timeout_seconds: float,
    ) -> None:
        self._subscribers = {event_type: tuple(found) for event_type, found in subscribers.items()}
        self._providers = dict(providers)
        self._handled_once = handled_once
        self._timeout_seconds = timeout_seconds

    @classmethod
    def discover(
        cls,
        package: str,
        providers: Mapping[str, Provider],
        handled_once: HandledOnce,
        *,
        timeout_seconds: float,
    ) -> "EventBus":
        """`timeout_seconds`: the most one subscriber may take on one event."""
        # `uow` always exists for subscribers: the bus makes it, per delivery.
        available = {**providers, "uow": lambda: None}
        found: dict[type, list[Subscriber]] = {}
        for event_type, handler in marked_functions(package, cls.kind):
            name = f"{handler.__module__.removeprefix(package + '.')}.{handler.__qualname__}"
            subscriber = Subscriber(name, handler, dependency_names(handler, available))
            found.setdefault(event_type, []).append(subscriber)
        return cls(found, providers, handled_once, timeout_seconds=timeout_seconds)

    def subscribers_of(self, event_type: type[DomainEvent]) -> tuple[str, ...]:
        return tuple(subscriber.name for subscriber in self._subscribers.get(event_type, ()))

    async def publish(self, event: DomainEvent) -> None:
        """Run every subscriber of the event; raise EventNotHandledError if any failed."""
        failures: dict[str, Exception] = {}
        for subscriber in self._subscribers.get(type(event), ()):
            try:
                await self._deliver(subscriber, event)
            except Exception as error:  # the others still get the event
                failures[subscriber.name] = error
        if failures:
            raise EventNotHandledError(event, failures) from next(iter(failures.values()))

    async def _deliver(self, subscriber: Subscriber, event: DomainEvent) -> None:
        uow = self._handled_once(event.event_id, subscriber.name)
        # A redelivery (another subscriber failed, a relay died) skips the subscribers that
        # are done, before their code runs: also what they do outside the database.
        if await uow.handled_before():
            return
        values = {
            name: uow if name == "uow" else self._providers[name]()
            for name in subscriber.dependencies
        }
        try:
            await self._run(subscriber, event, values)
            if not uow.entered:
                async with uow:
                    pass
        except EventAlreadyHandledError:
            return

    async def _run(
        self, subscriber: Subscriber, event: DomainEvent, values: dict[str, object]
    ) -> None:
        # A subscriber that hangs (a remote call without a timeout, a lock) would hold up
        # the relay or the consumer, and every event behind this one, for ever.
        deadline = asyncio.timeout(self._timeout_seconds)
        try:
            async with deadline:
                await subscriber.handler(event, **values)
        except TimeoutError as error:
            if not deadline.expired():
                raise  # the subscriber's own
            raise SubscriberTimeoutError(
                f"{subscriber.name} did not finish within {self._timeout_seconds:g} s"
            ) from error
