"""E-mail address, normalised so that one address, however spelled, maps to one account.

The stored form: NFKC, case-folded (`casefold`, so "ß" is "ss"), the domain in IDNA
A-labels without a trailing dot (domain_name.py); letters of one script per label and no
stray combining marks (label_scripts.py). Look-alikes therefore either collide with the
address they imitate (full-width letters, NFD accents, ligatures) or are refused.
"""

import re
import unicodedata
from dataclasses import dataclass

from app.domain.errors import InvalidEmailError
from app.domain.value_objects.base import ValueObject
from app.domain.value_objects.domain_name import canonical_domain
from app.domain.value_objects.label_scripts import check_label

# Deliberately loose: deliverability is proven by sending mail, not by a regex.
_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_LENGTH = 254


def _folded(text: str) -> str:
    # Case folding can undo NFKC (it decomposes some letters): normalise again after it.
    return unicodedata.normalize("NFKC", text.casefold())


def canonical_email(raw: str) -> str:
    """The stored form of `raw`, or InvalidEmailError saying what is wrong with it."""
    text = unicodedata.normalize("NFKC", raw).strip()
    # Before IDNA, which silently drops some invisible characters (soft hyphen, word
    # joiner): NUL, bidi overrides and zero-width characters make look-alikes, and
    # PostgreSQL refuses NUL outright.
    if any(unicodedata.category(character).startswith("C") for character in text):
        raise InvalidEmailError(
            "Email contains an invisible or control character",
            details={"reason": "invisible_character"},
        )
    if not _SHAPE.match(text):
        raise InvalidEmailError("Not a valid email address", details={"reason": "shape"})
    local, _, domain = text.partition("@")
    local = _folded(local)
    for label in local.split("."):
        check_label(label, "local part")
    value = f"{local}@{canonical_domain(_folded(domain))}"
    if len(value) > MAX_LENGTH:
        raise InvalidEmailError(
            f"Email must be at most {MAX_LENGTH} characters",
            details={"reason": "too_long", "max_length": MAX_LENGTH},
        )
    return value


@dataclass(frozen=True, slots=True)
class Email(ValueObject):
    value: str

    @classmethod
    def parse(cls, raw: str) -> "Email":
        return cls(canonical_email(raw))

    def validate(self) -> None:
        if canonical_email(self.value) != self.value:
            raise InvalidEmailError(
                "Email must be normalised", details={"reason": "not_normalised"}
            )

    def __str__(self) -> str:
        return self.value
