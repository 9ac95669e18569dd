"""Secrets stay out of repr() and str(): commands and DTOs end up in logs and tracebacks."""

import uuid

import pytest

from app.application.commands.change_password import ChangePasswordCommand
from app.application.commands.create_user import CreateUserCommand
from app.application.commands.login_user import LoginUserCommand
from app.application.commands.logout_user import LogoutUserCommand
from app.application.commands.refresh_token import RefreshTokenCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.dto.token_pair import TokenPairDTO

SECRET = "s3cr3t-Sentinel-4711"
OTHER_SECRET = "0ther-Sentinel-0815"
EMAIL = "alice@example.com"
USER_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")


def assert_hidden(obj: object, secret: str, visible: str) -> None:
    for text in (repr(obj), str(obj)):
        assert secret not in text
        assert visible in text


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            LoginUserCommand(email=EMAIL, password=SECRET, address_bucket="192.0.2.1"),
            id="login",
        ),
        pytest.param(RegisterUserCommand(email=EMAIL, password=SECRET), id="register"),
        pytest.param(
            CreateUserCommand(email=EMAIL, password=SECRET, requester=None), id="create-user"
        ),
    ],
)
def test_the_password_of_a_command_is_not_in_its_repr(
    command: LoginUserCommand | RegisterUserCommand | CreateUserCommand,
) -> None:
    assert_hidden(command, SECRET, EMAIL)


def test_the_current_password_of_a_change_password_command_is_not_in_its_repr() -> None:
    command = ChangePasswordCommand(
        user_id=USER_ID, current_password=SECRET, new_password=OTHER_SECRET
    )
    assert_hidden(command, SECRET, str(USER_ID))


def test_the_new_password_of_a_change_password_command_is_not_in_its_repr() -> None:
    command = ChangePasswordCommand(
        user_id=USER_ID, current_password=OTHER_SECRET, new_password=SECRET
    )
    assert_hidden(command, SECRET, str(USER_ID))


def test_the_refresh_token_of_a_refresh_command_is_not_in_its_repr() -> None:
    assert_hidden(
        RefreshTokenCommand(refresh_token=SECRET, address_bucket="192.0.2.1"),
        SECRET,
        "RefreshTokenCommand",
    )


def test_the_refresh_token_of_a_logout_command_is_not_in_its_repr() -> None:
    assert_hidden(LogoutUserCommand(user_id=USER_ID, refresh_token=SECRET), SECRET, str(USER_ID))


def test_the_access_token_of_a_token_pair_is_not_in_its_repr() -> None:
    pair = TokenPairDTO(
        user_id=USER_ID, access_token=SECRET, refresh_token=OTHER_SECRET, expires_in=900
    )
    assert_hidden(pair, SECRET, str(USER_ID))


def test_the_refresh_token_of_a_token_pair_is_not_in_its_repr() -> None:
    pair = TokenPairDTO(
        user_id=USER_ID, access_token=OTHER_SECRET, refresh_token=SECRET, expires_in=900
    )
    assert_hidden(pair, SECRET, str(USER_ID))
