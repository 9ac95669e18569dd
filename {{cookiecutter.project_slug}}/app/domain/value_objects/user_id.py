"""Identity of a user."""

import uuid
from dataclasses import dataclass

from app.domain.errors import ValidationError
from app.domain.value_objects.base import ValueObject


@dataclass(frozen=True, slots=True)
class UserId(ValueObject):
    value: uuid.UUID

    @classmethod
    def generate(cls) -> "UserId":
        return cls(uuid.uuid4())

    @classmethod
    def parse(cls, raw: str) -> "UserId":
        try:
            return cls(uuid.UUID(raw))
        except ValueError:
            raise ValidationError("Not a valid user id", code="INVALID_USER_ID") from None

    def __str__(self) -> str:
        return str(self.value)
