import uuid
from dataclasses import dataclass

from app.domain.events.domain_event import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class UserRoleChanged(DomainEvent):
    """An admin gave the account another role; `role` is the new one."""

    role: str
    # The admin who made the change.
    changed_by: uuid.UUID
