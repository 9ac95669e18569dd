"""An entity that guards a consistency boundary and records what happened to it.

Methods that change state record a domain event; the unit of work takes the
events when it commits and stores them with the change, in the same transaction.
"""
{% if cookiecutter.python_version == "3.11" %}
from typing import TypeVar

from app.domain.entities.base import Entity
from app.domain.events.domain_event import DomainEvent

IdT = TypeVar("IdT")


class AggregateRoot(Entity[IdT]):
{%- else %}
from app.domain.entities.base import Entity
from app.domain.events.domain_event import DomainEvent


class AggregateRoot[IdT](Entity[IdT]):
{%- endif %}
    def __init__(self, *, id_: IdT) -> None:
        super().__init__(id_=id_)
        self._pending_events: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self._pending_events.append(event)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """Recorded and not yet stored, oldest first."""
        return tuple(self._pending_events)

    def clear_events(self) -> None:
        """The unit of work stored the pending events: they are not handed out again."""
        self._pending_events.clear()
