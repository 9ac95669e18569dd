"""Passphrases in any script: up to 256 characters, whatever their bytes, all of them read
and compared after NFKC; past 256 characters a 422, never a 500."""

import unicodedata

import httpx
import pytest

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    PASSWORD,
    REGISTER,
    Account,
    assert_envelope,
    login,
    new_email,
)

# Each is far past bcrypt's 72 bytes in UTF-8; a 72-byte cut would keep its start only.
PASSPHRASES = [
    pytest.param("correct horse battery staple " * 8 + "ok", id="242-ascii"),
    pytest.param("правильная лошадь батарейка скрепка " * 4, id="144-cyrillic-2-bytes"),
    pytest.param("正しい馬の電池のホッチキス、" * 12, id="168-japanese-3-bytes"),
    pytest.param("🐴🔋📎✅" * 64, id="256-emoji-4-bytes"),
]
TOO_LONG = ["x" * 257, "\U0001f600" * 257, "a" * 10_000]


@pytest.mark.parametrize("passphrase", PASSPHRASES)
async def test_a_long_passphrase_in_any_script_is_read_to_its_last_character(
    client: httpx.AsyncClient, passphrase: str
) -> None:
    email = new_email()
    registered = await client.post(REGISTER, json={"email": email, "password": passphrase})
    assert registered.status_code == 201, registered.text

    assert (await login(client, email, passphrase))["token_type"] == "bearer"
    # The same start with another last character is another password.
    other = passphrase[:-1] + ("!" if passphrase[-1] != "!" else "?")
    wrong = await client.post(LOGIN, json={"email": email, "password": other})
    assert_envelope(wrong, 401, "INVALID_CREDENTIALS")


@pytest.mark.parametrize(
    ("set_as", "typed_as"),
    [
        pytest.param(
            "café crème brûlée", "cafe\u0301 cre\u0300me bru\u0302le\u0301e", id="nfc-nfd"
        ),
        pytest.param("passphrase 2024", "ｐａｓｓｐｈｒａｓｅ ２０２４", id="full-width"),  # noqa: RUF001
    ],
)
async def test_one_passphrase_typed_two_ways_is_one_password(
    client: httpx.AsyncClient, set_as: str, typed_as: str
) -> None:
    assert set_as != typed_as
    assert unicodedata.normalize("NFKC", typed_as) == unicodedata.normalize("NFKC", set_as)
    email = new_email()
    registered = await client.post(REGISTER, json={"email": email, "password": set_as})
    assert registered.status_code == 201, registered.text

    assert (await login(client, email, typed_as))["token_type"] == "bearer"


@pytest.mark.parametrize("password", TOO_LONG)
async def test_registering_with_over_256_characters_is_a_validation_error(
    client: httpx.AsyncClient, password: str
) -> None:
    response = await client.post(REGISTER, json={"email": new_email(), "password": password})
    assert_envelope(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("password", TOO_LONG)
async def test_logging_in_with_over_256_characters_is_a_validation_error(
    client: httpx.AsyncClient, alice: Account, password: str
) -> None:
    # An existing account: the refusal comes before any look-up or bcrypt call.
    response = await client.post(LOGIN, json={"email": alice.email, "password": password})
    assert_envelope(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("password", TOO_LONG)
@pytest.mark.parametrize("field", ["current_password", "new_password"])
async def test_changing_with_over_256_characters_is_a_validation_error(
    client: httpx.AsyncClient, alice: Account, password: str, field: str
) -> None:
    body = {"current_password": PASSWORD, "new_password": "a brand new passphrase"}
    response = await client.post(
        CHANGE_PASSWORD, json={**body, field: password}, headers=alice.headers
    )
    assert_envelope(response, 422, "VALIDATION_ERROR")
