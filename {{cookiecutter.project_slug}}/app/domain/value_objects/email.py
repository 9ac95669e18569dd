"""E-mail address, normalised so that one address maps to one account."""

import re
import unicodedata
from dataclasses import dataclass

from app.domain.errors import ValidationError
from app.domain.value_objects.base import ValueObject

# Deliberately loose: deliverability is proven by sending mail, not by a regex.
_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_LENGTH = 254


@dataclass(frozen=True, slots=True)
class Email(ValueObject):
    value: str

    @classmethod
    def parse(cls, raw: str) -> "Email":
        return cls(raw.strip().lower())

    def validate(self) -> None:
        if self.value != self.value.strip().lower():
            raise ValidationError("Email must be normalised", code="INVALID_EMAIL")
        if len(self.value) > MAX_LENGTH or not _SHAPE.match(self.value) or _has_control(self.value):
            raise ValidationError("Not a valid email address", code="INVALID_EMAIL")

    def __str__(self) -> str:
        return self.value


def _has_control(text: str) -> bool:
    # NUL, bidi overrides, zero-width and other invisible characters: PostgreSQL
    # refuses NUL outright, and the rest make look-alike addresses.
    return any(unicodedata.category(character).startswith("C") for character in text)
