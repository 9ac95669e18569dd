"""The password policy refuses the most common passwords and ones that show nothing.

Strings marked `noqa: RUF001` hold look-alike characters on purpose: full-width
letters, a Cyrillic "\u0430" or a Greek "\u03b1" where a Latin "a" would be.
"""

import gzip

import pytest

from app.domain.errors import ValidationError
from app.domain.value_objects.common_passwords import LIST_FILE, common_passwords
from app.domain.value_objects.password import MIN_CHARACTERS, Password


def test_the_list_holds_the_10000_most_common_passwords_most_frequent_first() -> None:
    lines = gzip.decompress(LIST_FILE.read_bytes()).decode("utf-8").splitlines()

    assert len(lines) == 10_000
    assert lines[:4] == ["123456", "123456789", "qwerty", "password"]
    assert len(common_passwords()) == 10_000
    assert isinstance(common_passwords(), frozenset)
    assert common_passwords() is common_passwords()  # read once


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("password123", id="listed"),
        pytest.param("PassWord123", id="other-case"),
        pytest.param(" password123 ", id="padded"),
        pytest.param("ｐａｓｓｗｏｒｄ１２３", id="full-width"),  # noqa: RUF001
        pytest.param("iloveyou", id="listed-near-the-top"),
        pytest.param("qwertyuiop", id="keyboard-row"),
        pytest.param("password\u200b", id="zero-width-space-after"),
        pytest.param("pass\u00adword", id="soft-hyphen-inside"),
        pytest.param("pass\u3164word", id="hangul-filler-inside"),
        pytest.param("\ufeffiloveyou\u2060", id="byte-order-mark-and-word-joiner"),
    ],
)
def test_a_common_password_is_refused_saying_why(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Password(raw)

    assert caught.value.code == "PASSWORD_TOO_COMMON"
    assert caught.value.details == {"reason": "common"}


def test_every_listed_password_long_enough_to_reach_the_list_check_is_refused() -> None:
    reachable = [entry for entry in common_passwords() if len(entry) >= MIN_CHARACTERS]
    assert len(reachable) > 3000

    for entry in reachable:
        with pytest.raises(ValidationError) as caught:
            Password(entry)
        assert caught.value.code in {"PASSWORD_TOO_COMMON", "PASSWORD_BLANK"}, entry


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(" " * 8, id="spaces"),
        pytest.param("\t\n \u00a0\u3000\t\n ", id="tabs-newlines-and-wide-spaces"),
        pytest.param("\u0301" * 8, id="combining-accents"),
        pytest.param(" \u0301 \u0308 \u20dd \u0327 ", id="spaces-and-marks"),
        pytest.param("\u200b\u200d" * 4, id="zero-width-characters"),
        pytest.param("\u3164" * 8, id="hangul-fillers"),
        pytest.param("\uffa0\u115f\u1160" * 3, id="other-hangul-fillers"),
        pytest.param("\u2800" * 8, id="braille-blanks"),
        pytest.param("\ufe0f\U000e0100\u180b\u034f" * 2, id="variation-selectors-and-joiner"),
    ],
)
def test_a_password_that_shows_nothing_is_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Password(raw)

    assert caught.value.code == "PASSWORD_BLANK"
    assert caught.value.details == {"reason": "blank"}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("correct horse battery", id="passphrase"),
        pytest.param("password123-but-longer", id="contains-a-listed-one"),
        pytest.param("\u0301a\u0301b\u0301c\u0301d efgh", id="marks-on-letters"),
    ],
)
def test_an_uncommon_visible_password_is_accepted(raw: str) -> None:
    assert Password(raw).value == raw
