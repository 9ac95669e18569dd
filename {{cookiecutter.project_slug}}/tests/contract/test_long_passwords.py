"""No password length breaks the service: past bcrypt's 72 bytes it is a 422, never a 500."""

import httpx
import pytest

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    PASSWORD,
    REGISTER,
    Account,
    assert_envelope,
    new_email,
)

# 73 bytes up to 10,000 bytes in UTF-8, in 1-, 2- and 4-byte characters.
LONG_PASSWORDS = [
    pytest.param("a" * 73, id="73-ascii-bytes"),
    pytest.param("a" * 10_000, id="10000-ascii-bytes"),
    pytest.param("\u00e9" * 37, id="74-bytes-of-2-byte-letters"),
    pytest.param("\u00e9" * 5_000, id="10000-bytes-of-2-byte-letters"),
    pytest.param("\U0001f600" * 19, id="76-bytes-of-emoji"),
    pytest.param("\U0001f600" * 2_500, id="10000-bytes-of-emoji"),
]


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_registering_with_a_password_over_72_bytes_is_a_validation_error(
    client: httpx.AsyncClient, password: str
) -> None:
    assert 72 < len(password.encode()) <= 10_000
    response = await client.post(REGISTER, json={"email": new_email(), "password": password})
    assert_envelope(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_logging_in_with_a_password_over_72_bytes_is_a_validation_error(
    client: httpx.AsyncClient, alice: Account, password: str
) -> None:
    # An existing account: the refusal comes before any look-up or bcrypt call.
    response = await client.post(LOGIN, json={"email": alice.email, "password": password})
    assert_envelope(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_changing_to_a_password_over_72_bytes_is_a_validation_error(
    client: httpx.AsyncClient, alice: Account, password: str
) -> None:
    response = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": PASSWORD, "new_password": password},
        headers=alice.headers,
    )
    assert_envelope(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_giving_a_current_password_over_72_bytes_is_a_validation_error(
    client: httpx.AsyncClient, alice: Account, password: str
) -> None:
    response = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": password, "new_password": "a brand new passphrase"},
        headers=alice.headers,
    )
    assert_envelope(response, 422, "VALIDATION_ERROR")
