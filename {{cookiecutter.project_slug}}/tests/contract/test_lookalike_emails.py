"""Over HTTP, every spelling of an address is the one account it names; look-alikes are refused.

Strings marked `noqa: RUF001` hold look-alike characters on purpose: full-width
letters, a Cyrillic "\u0430" or a Greek "\u03b1" where a Latin "a" would be.
"""

import unicodedata

import httpx
import pytest

from .helpers import (
    LOGIN,
    PASSWORD,
    REGISTER,
    USERS,
    Account,
    assert_envelope,
    login,
    register,
)

NFC = unicodedata.normalize("NFC", "josé@example.com")
NFD = unicodedata.normalize("NFD", "josé@example.com")
ADMIN = "admin@example.com"
MIXED_SCRIPTS = "pаypal@example.com"  # noqa: RUF001 - its first "a" is Cyrillic


@pytest.mark.parametrize(
    ("original", "look_alike"),
    [
        pytest.param("admin@example.com", "admin@ｅｘａｍｐｌｅ.ｃｏｍ", id="full-width-domain"),  # noqa: RUF001
        pytest.param("admin@example.com", "ＡＤＭＩＮ@example.com", id="full-width-local-part"),  # noqa: RUF001
        pytest.param("admin@example.com", "admin@example.com.", id="trailing-dot"),
        pytest.param(NFC, NFD, id="nfd-after-nfc"),
        pytest.param(NFD, NFC, id="nfc-after-nfd"),
        pytest.param("strasse@example.com", "STRASSE@example.com", id="upper-case"),
        pytest.param("straße@example.com", "strasse@example.com", id="sharp-s"),
        pytest.param("user@café.example", "user@xn--caf-dma.example", id="a-label-of-idn"),
    ],
)
async def test_registering_a_look_alike_of_an_existing_address_is_409(
    client: httpx.AsyncClient, original: str, look_alike: str
) -> None:
    await register(client, original)

    response = await client.post(REGISTER, json={"email": look_alike, "password": PASSWORD})

    assert_envelope(response, 409, "EMAIL_TAKEN")


UNMERGEABLE = [  # id, the original, its look-alike, details.reason
    ("hangul-filler", ADMIN, "admin\u3164@example.com", "invisible_character"),
    ("hangul-choseong-filler", ADMIN, "admin\u115f@example.com", "invisible_character"),
    ("braille-blank", ADMIN, "admin\u2800@example.com", "invisible_character"),
    ("hangul-filler-in-domain", ADMIN, "admin@exa\u3164mple.com", "invisible_character"),
    ("variation-selector", ADMIN, "admin\ufe0f@example.com", "invisible_character"),
    ("cyrillic-je-before-a-dot", "j.doe@example.com", "\u0458.doe@example.com", "mixed_scripts"),
    ("quoted-local-part", ADMIN, '"admin"@example.com', "quoted_local_part"),
]


@pytest.mark.parametrize(
    ("original", "look_alike", "reason"),
    [pytest.param(*row, id=name) for name, *row in UNMERGEABLE],
)
async def test_a_look_alike_normalising_cannot_merge_is_422_next_to_the_original(
    client: httpx.AsyncClient, original: str, look_alike: str, reason: str
) -> None:
    await register(client, original)

    response = await client.post(REGISTER, json={"email": look_alike, "password": PASSWORD})

    error = assert_envelope(response, 422, "INVALID_EMAIL")
    assert error["details"]["reason"] == reason


async def test_a_dotted_capital_i_registers_and_is_its_dotless_spelling(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client, "İsmail@example.com")

    again = await client.post(REGISTER, json={"email": "ismail@example.com", "password": PASSWORD})

    assert user["email"] == "ismail@example.com"
    assert_envelope(again, 409, "EMAIL_TAKEN")
    assert (await login(client, "İSMAİL@example.com"))["token_type"] == "bearer"


async def test_the_stored_address_is_the_canonical_one(client: httpx.AsyncClient) -> None:
    user = await register(client, "JOSÉ@CAFÉ.example.")

    assert user["email"] == "josé@xn--caf-dma.example"


async def test_logging_in_with_the_nfd_form_of_an_nfc_address_works(
    client: httpx.AsyncClient,
) -> None:
    await register(client, NFC)

    pair = await login(client, NFD)

    assert pair["token_type"] == "bearer"


async def test_a_mixed_script_address_is_422_saying_which_scripts(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(REGISTER, json={"email": MIXED_SCRIPTS, "password": PASSWORD})

    error = assert_envelope(response, 422, "INVALID_EMAIL")
    assert error["message"] == (
        "Email address mixes Cyrillic and Latin letters in its local part: "
        "use letters of one script"
    )
    assert error["details"] == {
        "reason": "mixed_scripts",
        "part": "local part",
        "scripts": ["Cyrillic", "Latin"],
    }


async def test_logging_in_with_a_mixed_script_look_alike_fails_like_any_bad_login(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "paypal@example.com")

    response = await client.post(LOGIN, json={"email": MIXED_SCRIPTS, "password": PASSWORD})

    assert_envelope(response, 401, "INVALID_CREDENTIALS")


async def test_an_admin_cannot_create_a_look_alike_of_an_existing_user(
    client: httpx.AsyncClient, admin: Account
) -> None:
    await register(client, "admin@example.com")

    response = await client.post(
        USERS,
        json={"email": "admin@ｅｘａｍｐｌｅ.ｃｏｍ", "password": PASSWORD},  # noqa: RUF001
        headers=admin.headers,
    )

    assert_envelope(response, 409, "EMAIL_TAKEN")
