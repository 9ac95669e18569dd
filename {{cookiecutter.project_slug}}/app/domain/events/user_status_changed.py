import uuid
from dataclasses import dataclass

from app.domain.events.domain_event import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class UserStatusChanged(DomainEvent):
    """An admin deactivated the account (`is_active` false) or let it sign in again."""

    is_active: bool
    # The admin who made the change.
    changed_by: uuid.UUID
