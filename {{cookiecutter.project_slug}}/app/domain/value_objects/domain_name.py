"""The domain of an email address in its one stored form: lower-case ASCII, A-labels.

"café.example", "CAFÉ.example", "xn--caf-dma.example" and "ｃａｆé.example" are one
domain. They are stored as its A-label form (IDNA, RFC 3490, the standard library's
"idna" codec): that is what DNS and mail servers use, it compares byte for byte in any
database collation, and a look-alike domain stays visibly "xn--…" in logs and exports.
"""

import re

from app.domain.errors import InvalidEmailError
from app.domain.value_objects.label_scripts import check_label

ACE_PREFIX = "xn--"
MAX_DOMAIN_LENGTH = 253
# Letters, digits and inner hyphens (RFC 5321's sub-domain), at most 63 characters.
_LDH_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _not_a_domain() -> InvalidEmailError:
    return InvalidEmailError(
        "Email domain is not a valid domain name", details={"reason": "domain"}
    )


def canonical_domain(text: str) -> str:
    """The A-label form of `text` (already NFKC-normalised and case-folded)."""
    try:
        ascii_form = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise _not_a_domain() from None
    # "example.com." is the fully qualified spelling of "example.com": one domain.
    ascii_form = ascii_form.lower().removesuffix(".")
    labels = ascii_form.split(".")
    if len(labels) < 2 or len(ascii_form) > MAX_DOMAIN_LENGTH:
        raise _not_a_domain()
    for label in labels:
        if not _LDH_LABEL.match(label):
            raise _not_a_domain()
        check_label(_unicode_form(label), "domain")
    return ascii_form


def _unicode_form(label: str) -> str:
    """What an A-label stands for; the codec refuses one that is not canonical punycode."""
    if not label.startswith(ACE_PREFIX):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        raise _not_a_domain() from None
