"""One script per label: what keeps look-alike email addresses from passing as new ones.

A label is a domain label, or a whole local part (its dots do not separate scripts).
NFKC and case folding make most look-alikes equal to the address they imitate; what is
left is refused instead: letters of two scripts in one label ("paypal" with a Cyrillic
U+0430 for its first "a"), and combining marks stacked on letters NFKC has composed. This is the
"highly restrictive" level of Unicode TS #39, which browsers apply to domain names: one
script, or Latin together with the Han, kana and Hangul scripts that East Asian text mixes.
"""

import unicodedata

from app.domain.errors import InvalidEmailError

# unicodedata has no script property, but a letter's name starts with its script:
# "LATIN SMALL LETTER A", "CYRILLIC SMALL LETTER A", "CJK UNIFIED IDEOGRAPH-4E00".
EAST_ASIAN = "CJK"
_EAST_ASIAN_NAMES = frozenset(
    {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"}
)
_MIXABLE = frozenset({"LATIN", EAST_ASIAN})
# NFKC composes every accented Latin, Greek and Cyrillic letter that exists precomposed,
# so a mark still standing after one only stacks a fake accent ("e" + U+0301 + U+0301).
# Other scripts write vowels and points as marks (Devanagari, Thai, Hebrew): those stay.
_COMPOSED_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC"})


def script_of(character: str) -> str | None:
    """The script of a letter; None for digits, punctuation and symbols, which any script uses."""
    if not unicodedata.category(character).startswith("L"):
        return None
    script = unicodedata.name(character, "UNKNOWN").split(" ", 1)[0]
    return EAST_ASIAN if script in _EAST_ASIAN_NAMES else script


def check_label(label: str, part: str) -> None:
    """Refuse `label` (NFKC-normalised) if it mixes scripts or carries stray marks.

    `part` names where the label sits ("local part", "domain") in the message.
    """
    scripts: set[str] = set()
    base: str | None = None  # the script of the character a mark would sit on
    for character in label:
        if unicodedata.category(character).startswith("M"):
            if base is None or base in _COMPOSED_SCRIPTS:
                raise InvalidEmailError(
                    f"Email address has a combining mark that stands alone in its {part}",
                    details={"reason": "combining_mark", "part": part},
                )
            continue
        base = script_of(character)
        if base is not None:
            scripts.add(base)
    if len(scripts) > 1 and not scripts <= _MIXABLE:
        names = sorted(script if script == EAST_ASIAN else script.title() for script in scripts)
        raise InvalidEmailError(
            f"Email address mixes {' and '.join(names)} letters in its {part}: "
            "use letters of one script",
            details={"reason": "mixed_scripts", "part": part, "scripts": names},
        )
