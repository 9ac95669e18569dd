"""Over HTTP, the most common passwords and ones that show nothing are refused, saying why.

Strings marked `noqa: RUF001` hold look-alike (full-width) characters on purpose.
"""

import httpx
import pytest

from .helpers import (
    CHANGE_PASSWORD,
    REGISTER,
    USERS,
    Account,
    assert_envelope,
    new_email,
)

REFUSED = [
    pytest.param("password123", "PASSWORD_TOO_COMMON", "common", id="common"),
    pytest.param("ＰＡＳＳＷＯＲＤ１２３", "PASSWORD_TOO_COMMON", "common", id="common-full-width"),  # noqa: RUF001
    pytest.param(" " * 12, "PASSWORD_BLANK", "blank", id="whitespace-only"),
    pytest.param("\u0301" * 8, "PASSWORD_BLANK", "blank", id="combining-marks-only"),
    pytest.param("\u3164" * 8, "PASSWORD_BLANK", "blank", id="hangul-fillers-only"),
    pytest.param("\u2800" * 8, "PASSWORD_BLANK", "blank", id="braille-blanks-only"),
    pytest.param("\u115f" * 8, "PASSWORD_BLANK", "blank", id="choseong-fillers-only"),
    pytest.param("password\u200b", "PASSWORD_TOO_COMMON", "common", id="common-zero-width"),
    pytest.param("pass\u00adword", "PASSWORD_TOO_COMMON", "common", id="common-soft-hyphen"),
]


@pytest.mark.parametrize(("password", "code", "reason"), REFUSED)
async def test_register_refuses_the_password_saying_why(
    client: httpx.AsyncClient, password: str, code: str, reason: str
) -> None:
    response = await client.post(REGISTER, json={"email": new_email(), "password": password})

    error = assert_envelope(response, 422, code)
    assert error["details"] == {"reason": reason}


@pytest.mark.parametrize(("password", "code", "reason"), REFUSED)
async def test_change_password_refuses_the_new_password_saying_why(
    client: httpx.AsyncClient, alice: Account, password: str, code: str, reason: str
) -> None:
    response = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": alice.password, "new_password": password},
        headers=alice.headers,
    )

    error = assert_envelope(response, 422, code)
    assert error["details"] == {"reason": reason}


async def test_an_admin_cannot_give_a_user_a_common_password(
    client: httpx.AsyncClient, admin: Account
) -> None:
    response = await client.post(
        USERS, json={"email": new_email(), "password": "iloveyou"}, headers=admin.headers
    )

    error = assert_envelope(response, 422, "PASSWORD_TOO_COMMON")
    assert error["details"] == {"reason": "common"}


async def test_a_strong_password_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER, json={"email": new_email(), "password": "vivid-otter-scrambles-49"}
    )

    assert response.status_code == 201, response.text
