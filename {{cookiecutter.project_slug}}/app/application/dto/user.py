import uuid
from dataclasses import dataclass
from datetime import datetime

from app.domain.entities.user import UserEntity
from app.domain.value_objects.role import Role


@dataclass(frozen=True, slots=True)
class UserDTO:
    """The public face of a user: never a password or a hash."""

    id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    created_at: datetime

    @classmethod
    def from_entity(cls, user: UserEntity) -> "UserDTO":
        return cls(
            id=user.id_.value,
            email=user.email.value,
            role=user.role,
            is_active=user.is_active,
            created_at=user.created_at,
        )
