"""Email.parse: every spelling of one address gives one stored value; look-alikes are refused.

Strings marked `noqa: RUF001` hold look-alike characters on purpose: full-width
letters, a Cyrillic "\u0430" or a Greek "\u03b1" where a Latin "a" would be.
"""

import unicodedata

import pytest

from app.domain.errors import ValidationError
from app.domain.value_objects.email import Email

NFD = unicodedata.normalize("NFD", "josé@example.com")
NFC = unicodedata.normalize("NFC", "josé@example.com")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("admin@ｅｘａｍｐｌｅ.ｃｏｍ", "admin@example.com", id="full-width-domain"),  # noqa: RUF001
        pytest.param("ａｄｍｉｎ＠example.com", "admin@example.com", id="full-width-local-and-at"),  # noqa: RUF001
        pytest.param(NFD, NFC, id="nfd-accent-composed"),
        pytest.param("JOSÉ@Example.COM", NFC, id="accented-capital-folded"),
        pytest.param("straße@example.com", "strasse@example.com", id="sharp-s-case-folded"),
        pytest.param("ﬁnance@example.com", "finance@example.com", id="ligature-expanded"),
        pytest.param("ǅemal@example.com", "džemal@example.com", id="title-case-digraph"),
        pytest.param("admin@example.com.", "admin@example.com", id="trailing-dot"),
        pytest.param("admin@example.com\u3002", "admin@example.com", id="ideographic-trailing-dot"),
        pytest.param("user@例え。テスト", "user@xn--r8jz45g.xn--zckzah", id="ideographic-dot"),
        pytest.param("user@café.example", "user@xn--caf-dma.example", id="unicode-domain-a-label"),
        pytest.param("user@CAFÉ.example", "user@xn--caf-dma.example", id="capital-unicode-domain"),
        pytest.param("user@XN--CAF-DMA.example", "user@xn--caf-dma.example", id="capital-a-label"),
        pytest.param("user@xn--caf-dma.example", "user@xn--caf-dma.example", id="a-label-kept"),
        pytest.param("用户@例え.テスト", "用户@xn--r8jz45g.xn--zckzah", id="han-and-kana"),
        pytest.param("नमस्ते@example.com", "नमस्ते@example.com", id="devanagari-vowel-signs"),
        pytest.param("Иван.Петров@example.com", "иван.петров@example.com", id="one-script-dotted"),
        pytest.param("İsmail@example.com", "ismail@example.com", id="dotted-capital-i"),
        pytest.param("i\u0307smail@example.com", "ismail@example.com", id="i-with-dot-above"),
        pytest.param("Ｕｓｅｒ＋Ｔａｇ@example.com", "user+tag@example.com", id="full-width-plus"),  # noqa: RUF001
    ],
)
def test_spellings_of_one_address_are_stored_alike(raw: str, stored: str) -> None:
    assert Email.parse(raw).value == stored
    assert Email(stored).value == stored  # the stored form is itself valid


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param("pаypal@example.com", "mixed_scripts", id="cyrillic-a-in-local-part"),  # noqa: RUF001
        pytest.param("paypal@exаmple.com", "mixed_scripts", id="cyrillic-a-in-domain"),  # noqa: RUF001
        pytest.param("paypal@xn--exmple-4nf.com", "mixed_scripts", id="mixed-a-label"),
        pytest.param("pαypal@example.com", "mixed_scripts", id="greek-alpha"),  # noqa: RUF001
        pytest.param("e\u0301\u0301@example.com", "combining_mark", id="stacked-accent"),
        pytest.param("q\u0301@example.com", "combining_mark", id="accent-no-letter-has"),
        pytest.param("\u0301a@example.com", "combining_mark", id="mark-without-base"),
        pytest.param("a@exa\u0338mple.com", "combining_mark", id="overlay-in-domain"),
        pytest.param("user@xn--zz.com", "domain", id="broken-punycode"),
        pytest.param("user@exa_mple.com", "domain", id="underscore"),
        pytest.param("user@-example.com", "domain", id="leading-hyphen"),
        pytest.param("user@example..com", "domain", id="empty-label"),
        pytest.param("user@example.com..", "domain", id="two-trailing-dots"),
        pytest.param("user@[192.0.2.1]", "domain", id="address-literal"),
        pytest.param("user@" + "a" * 64 + ".com", "domain", id="64-character-label"),
        pytest.param("a\u200b@example.com", "invisible_character", id="zero-width-space"),
        pytest.param("alice@exa\u00admple.com", "invisible_character", id="soft-hyphen-in-domain"),
        pytest.param("alice", "shape", id="no-at"),
        pytest.param("\u0458.doe@example.com", "mixed_scripts", id="cyrillic-je-before-a-dot"),
        pytest.param('"admin"@example.com', "quoted_local_part", id="quoted-local-part"),
        pytest.param('ad"min@example.com', "quoted_local_part", id="stray-quote"),
        pytest.param("\uff02admin\uff02@example.com", "quoted_local_part", id="full-width-quotes"),
        *(
            pytest.param(raw, "invisible_character", id=name)
            for name, raw in [
                ("hangul-filler", "admin\u3164@example.com"),
                ("half-width-hangul-filler", "admin\uffa0@example.com"),
                ("hangul-choseong-filler", "admin\u115f@example.com"),
                ("hangul-jungseong-filler", "admin\u1160@example.com"),
                ("braille-blank", "admin\u2800@example.com"),
                ("hangul-filler-in-domain", "admin@exa\u3164mple.com"),
                ("variation-selector-16", "admin\ufe0f@example.com"),
                ("variation-selector-in-domain", "admin@exa\ufe0fmple.com"),
                ("variation-selector-17", "admin\U000e0100@example.com"),
                ("mongolian-variation-selector", "admin\u180b@example.com"),
                ("combining-grapheme-joiner", "admin\u034f@example.com"),
                ("khmer-inherent-vowel", "admin\u17b4@example.com"),
                ("tag-character", "admin\U000e0041@example.com"),
            ]
        ),
    ],
)
def test_look_alikes_and_broken_addresses_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Email.parse(raw)

    assert caught.value.code == "INVALID_EMAIL"
    assert caught.value.details["reason"] == reason


def test_a_mixed_script_refusal_names_the_scripts() -> None:
    with pytest.raises(ValidationError) as caught:
        Email.parse("pаypal@example.com")  # noqa: RUF001

    assert caught.value.message == (
        "Email address mixes Cyrillic and Latin letters in its local part: "
        "use letters of one script"
    )
    assert caught.value.details == {
        "reason": "mixed_scripts",
        "part": "local part",
        "scripts": ["Cyrillic", "Latin"],
    }


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(NFD, id="nfd"),
        pytest.param("admin@example.com.", id="trailing-dot"),
        pytest.param("user@café.example", id="unicode-domain"),
        pytest.param("straße@example.com", id="not-case-folded"),
    ],
)
def test_the_constructor_takes_only_the_stored_form(stored: str) -> None:
    with pytest.raises(ValidationError, match="normalised"):
        Email(stored)


def test_letters_without_a_unicode_name_are_one_script_of_their_own() -> None:
    # Tangut ideographs have no entry in the name table of some Python versions.
    tangut = "\U00017000\U00017001"
    script = "Unknown" if unicodedata.name(tangut[0], None) is None else "Tangut"

    assert Email.parse(f"{tangut}@example.com").value == f"{tangut}@example.com"
    with pytest.raises(ValidationError) as caught:
        Email.parse(f"a{tangut}@example.com")
    assert caught.value.details == {
        "reason": "mixed_scripts",
        "part": "local part",
        "scripts": ["Latin", script],
    }
