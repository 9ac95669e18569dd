from dataclasses import dataclass

from app.domain.events.domain_event import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class UserPasswordChanged(DomainEvent):
    """The account's password was replaced; every session opened with the old one ended."""
