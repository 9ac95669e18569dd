"""A plain-text password that satisfies the password policy."""

from dataclasses import dataclass, field

from app.domain.errors import ValidationError
from app.domain.value_objects.base import ValueObject

MIN_CHARACTERS = 8
# bcrypt only reads 72 bytes; anything longer would be silently truncated or rejected.
MAX_UTF8_BYTES = 72


@dataclass(frozen=True, slots=True)
class Password(ValueObject):
    value: str = field(repr=False)

    def validate(self) -> None:
        if len(self.value) < MIN_CHARACTERS:
            raise ValidationError(
                f"Password must be at least {MIN_CHARACTERS} characters",
                code="PASSWORD_TOO_SHORT",
            )
        if len(self.value.encode()) > MAX_UTF8_BYTES:
            raise ValidationError(
                f"Password must be at most {MAX_UTF8_BYTES} bytes in UTF-8",
                code="PASSWORD_TOO_LONG",
            )
