"""E-mail address, normalised so that one address, however spelled, maps to one account.

The stored form: NFKC, case-folded (`casefold`, so "ß" is "ss"), the domain in IDNA
A-labels without a trailing dot (domain_name.py); letters of one script in the local part
and in each domain label, and no stray combining marks (label_scripts.py); nothing
invisible (invisible_characters.py) and no quoted local part. Look-alikes therefore either
collide with the address they imitate (full-width letters, NFD accents, ligatures) or are
refused.
"""

import re
import unicodedata
from dataclasses import dataclass

from app.domain.errors import InvalidEmailError
from app.domain.value_objects.base import ValueObject
from app.domain.value_objects.domain_name import canonical_domain
from app.domain.value_objects.invisible_characters import is_invisible
from app.domain.value_objects.label_scripts import check_label

# Deliberately loose: deliverability is proven by sending mail, not by a regex.
_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_LENGTH = 254


def _folded(text: str) -> str:
    # Case folding turns "İ" into "i" + U+0307 (a dot on a letter that has one), which the
    # mark check would refuse: it is the "i" of a Turkish name. Folding can also undo NFKC
    # (it decomposes some letters): normalise again after it.
    return unicodedata.normalize("NFKC", text.casefold().replace("i\u0307", "i"))


def canonical_email(raw: str) -> str:
    """The stored form of `raw`, or InvalidEmailError saying what is wrong with it."""
    text = unicodedata.normalize("NFKC", raw).strip()
    # Before IDNA, which silently drops some invisible characters (soft hyphen, word
    # joiner): NUL, bidi overrides, zero-width characters and Hangul fillers make
    # look-alikes, unassigned code points may become anything, and PostgreSQL refuses NUL.
    if any(unicodedata.category(c).startswith("C") or is_invisible(c) for c in text):
        raise InvalidEmailError(
            "Email contains an invisible or control character",
            details={"reason": "invisible_character"},
        )
    if not _SHAPE.match(text):
        raise InvalidEmailError("Not a valid email address", details={"reason": "shape"})
    local, _, domain = text.partition("@")
    if '"' in local:
        # '"admin"@' is admin@ to a mail server; refusing quoting is simpler than
        # unquoting it, and hardly anyone has such an address.
        raise InvalidEmailError(
            "Email addresses with a quoted local part are not accepted",
            details={"reason": "quoted_local_part"},
        )
    # One unit, not label by label: a Cyrillic "j" (U+0458) must not pass in "j.doe".
    local = _folded(local)
    check_label(local, "local part")
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
