"""Identity of a user."""

import uuid
from dataclasses import dataclass

from app.domain.value_objects.base import ValueObject


@dataclass(frozen=True, slots=True)
class UserId(ValueObject):
    value: uuid.UUID

    @classmethod
    def generate(cls) -> "UserId":
        return cls(uuid.uuid4())

    def __str__(self) -> str:
        return str(self.value)
