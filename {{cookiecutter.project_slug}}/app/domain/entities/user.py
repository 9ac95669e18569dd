"""The user aggregate."""

from datetime import datetime

from app.domain.entities.base import Entity
from app.domain.errors import ValidationError
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId


class UserEntity(Entity[UserId]):
    def __init__(
        self,
        *,
        id_: UserId,
        email: Email,
        password_hash: str,
        role: Role,
        created_at: datetime,
    ) -> None:
        super().__init__(id_=id_)
        if not password_hash:
            raise ValidationError("A user needs a password hash", code="MISSING_PASSWORD_HASH")
        self.email = email
        self.password_hash = password_hash
        self.role = role
        self.created_at = created_at

    @classmethod
    def register(
        cls, *, email: Email, password_hash: str, role: Role, now: datetime
    ) -> "UserEntity":
        return cls(
            id_=UserId.generate(),
            email=email,
            password_hash=password_hash,
            role=role,
            created_at=now,
        )

    def change_password_hash(self, password_hash: str) -> None:
        if not password_hash:
            raise ValidationError("A user needs a password hash", code="MISSING_PASSWORD_HASH")
        self.password_hash = password_hash
