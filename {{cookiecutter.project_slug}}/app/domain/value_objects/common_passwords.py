"""The 10,000 most common passwords, which the password policy refuses.

common_passwords.txt.gz is the first 10,000 lines, most frequent first, of
django/contrib/auth/common-passwords.txt.gz in Django 5.2.19 from PyPI (copyright
Django Software Foundation and individual contributors, BSD 3-Clause licence): Royce
Williams' list compiled from public statistics of leaked passwords, lower-cased and
deduplicated. One password per line, UTF-8, gzipped with no name or time in its header.
"""

import gzip
import unicodedata
from functools import cache
from pathlib import Path

from app.domain.value_objects.invisible_characters import without_invisible

LIST_FILE = Path(__file__).with_name("common_passwords.txt.gz")


def comparable(password: str) -> str:
    """The form the list is compared in: lower case, as the list is written.

    NFKC first, so "password123" typed in full-width letters (U+FF50 ..., as East Asian
    input methods do) is the listed one; padding spaces and characters that draw nothing
    ("pass\u00adword", "password\u200b") change nothing either.
    """
    return without_invisible(unicodedata.normalize("NFKC", password)).strip().lower()


@cache
def common_passwords() -> frozenset[str]:
    """Read on first use, once per process: most processes never set a password."""
    text = gzip.decompress(LIST_FILE.read_bytes()).decode("utf-8")
    return frozenset(comparable(line) for line in text.splitlines() if line)


def is_common(password: str) -> bool:
    return comparable(password) in common_passwords()
