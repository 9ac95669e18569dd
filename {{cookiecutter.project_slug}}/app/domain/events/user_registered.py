from dataclasses import dataclass

from app.domain.events.domain_event import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class UserRegistered(DomainEvent):
    """An account was opened, by its owner or by an admin; `role` is the one it got."""

    email: str
    role: str
