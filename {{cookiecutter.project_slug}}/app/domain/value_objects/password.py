"""A plain-text password that satisfies the password policy."""

import unicodedata
from dataclasses import dataclass, field

from app.domain.errors import ValidationError
from app.domain.value_objects.base import ValueObject
from app.domain.value_objects.common_passwords import is_common
from app.domain.value_objects.invisible_characters import is_invisible

MIN_CHARACTERS = 8
# A passphrase of several words in any script fits; the hasher reads all of it.
MAX_CHARACTERS = 256


def _is_visible(character: str) -> bool:
    # Separators (spaces), marks (combining accents), format or control characters
    # (zero-width joiners) and fillers or blanks (U+3164, U+2800) show nothing on their own.
    return unicodedata.category(character)[0] not in "ZMC" and not is_invisible(character)


@dataclass(frozen=True, slots=True)
class Password(ValueObject):
    value: str = field(repr=False)

    def validate(self) -> None:
        # The rules read the password as it is hashed (NFKC, password_prehash.py): four
        # letters typed with combining accents are four characters, not eight.
        normalised = unicodedata.normalize("NFKC", self.value)
        if len(normalised) < MIN_CHARACTERS:
            raise ValidationError(
                f"Password must be at least {MIN_CHARACTERS} characters",
                code="PASSWORD_TOO_SHORT",
                details={"reason": "too_short", "min_characters": MIN_CHARACTERS},
            )
        # As typed: it bounds the work, and NFKC may lengthen a password many times over.
        if len(self.value) > MAX_CHARACTERS:
            raise ValidationError(
                f"Password must be at most {MAX_CHARACTERS} characters",
                code="PASSWORD_TOO_LONG",
                details={"reason": "too_long", "max_characters": MAX_CHARACTERS},
            )
        if not any(_is_visible(character) for character in normalised):
            raise ValidationError(
                "Password must contain a visible character, not only spaces, combining marks "
                "or invisible characters",
                code="PASSWORD_BLANK",
                details={"reason": "blank"},
            )
        if is_common(self.value):
            raise ValidationError(
                "Password is one of the 10,000 most common passwords: choose another",
                code="PASSWORD_TOO_COMMON",
                details={"reason": "common"},
            )
