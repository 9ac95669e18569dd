"""Characters that draw nothing: neither an email address nor a password may hide them.

Control and format characters (categories Cc, Cf) are easy to spot by category, but
Unicode has more that a renderer shows as nothing, and their categories do not say so:
Hangul fillers are letters (Lo), variation selectors are marks (Mn). They are listed by
the Default_Ignorable_Code_Point property, which `unicodedata` does not expose, so its
ranges are written out below (DerivedCoreProperties.txt, unchanged from Unicode 13 to
15.1), together with blanks that are visible characters on paper but show an empty cell
on screen.
"""

import bisect
import unicodedata

# (first, last) code points, sorted, none overlapping: Default_Ignorable_Code_Point,
# and the one blank marked so.
INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner (Mn)
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers (Lo)
    (0x17B4, 0x17B5),  # Khmer inherent vowels AQ and AA (Mn)
    (0x180B, 0x180F),  # Mongolian free variation selectors (Mn), vowel separator
    (0x200B, 0x200F),  # zero-width space, (non-)joiner, direction marks
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, reserved
    (0x2800, 0x2800),  # blank, not default-ignorable: Braille pattern blank (So)
    (0x3164, 0x3164),  # Hangul filler (Lo)
    (0xFE00, 0xFE0F),  # variation selectors 1-16 (Mn)
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
    (0xFFA0, 0xFFA0),  # half-width Hangul filler (Lo)
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical beam and phrase controls
    (0xE0000, 0xE0FFF),  # tags, variation selectors 17-256 (Mn), reserved
)
_FIRSTS = tuple(first for first, _ in INVISIBLE_RANGES)
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})


def is_invisible(character: str) -> bool:
    """True for a control, format, default-ignorable or blank character."""
    if unicodedata.category(character) in _INVISIBLE_CATEGORIES:
        return True
    code_point = ord(character)
    index = bisect.bisect_right(_FIRSTS, code_point) - 1
    return index >= 0 and code_point <= INVISIBLE_RANGES[index][1]


def without_invisible(text: str) -> str:
    return "".join(character for character in text if not is_invisible(character))
