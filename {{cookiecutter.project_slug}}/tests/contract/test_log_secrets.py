"""No log line carries a SQL parameter, even at DEBUG (the level of local and dev).

Emails, password hashes and refresh-token hashes are the parameters of the service's
statements; database drivers log statements with their parameters at DEBUG.
"""

import logging
from collections.abc import Iterator

import httpx
import pytest

from app.application.services.token_service import hash_refresh_token
from app.infrastructure.config import Settings

from .helpers import (
    CHANGE_PASSWORD,
    LOGIN,
    PASSWORD,
    REFRESH,
    REGISTER,
    bearer,
    client_for,
    new_email,
    running_app,
)

NEW_PASSWORD = "another horse battery"
BCRYPT_MARKER = "$2b$"


class _EveryRecord(logging.Handler):
    """Keeps each record that reaches the root logger, with everything a formatter could print."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(f"{record.name} {record.getMessage()} {record.args!r} {vars(record)!r}")


@pytest.fixture
def every_record() -> Iterator[_EveryRecord]:
    handler = _EveryRecord()
    yield handler
    logging.getLogger().removeHandler(handler)


async def _sign_up_and_use_the_account(client: httpx.AsyncClient, email: str) -> list[str]:
    """Every statement that binds an email, a password hash or a token hash; returns the tokens."""
    registered = await client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    duplicate = await client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert duplicate.status_code == 409, duplicate.text
    wrong = await client.post(LOGIN, json={"email": email, "password": NEW_PASSWORD})
    assert wrong.status_code == 401, wrong.text
    first = (await client.post(LOGIN, json={"email": email, "password": PASSWORD})).json()
    second = (await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})).json()
    changed = await client.post(
        CHANGE_PASSWORD,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(second["access_token"]),
    )
    assert changed.status_code == 204, changed.text
    third = (await client.post(LOGIN, json={"email": email, "password": NEW_PASSWORD})).json()
    return [
        pair[kind] for pair in (first, second, third) for kind in ("access_token", "refresh_token")
    ]


async def test_debug_logs_hold_no_email_password_hash_or_token(
    settings: Settings, every_record: _EveryRecord, capsys: pytest.CaptureFixture[str]
) -> None:
    debug = settings.model_copy(update={"log_level": "DEBUG", "log_format": "json"})
    email = new_email("secret")
    async with running_app(debug) as app:
        # create_app configured logging: from here on the root logger is the service's.
        logging.getLogger().addHandler(every_record)
        async with client_for(app) as client:
            tokens = await _sign_up_and_use_the_account(client, email)
    stdout = capsys.readouterr().out

    refresh_tokens = tokens[1::2]
    secrets = {
        "the email": email,
        "the email's local part": email.split("@")[0],
        "a password": PASSWORD,
        "the new password": NEW_PASSWORD,
        "a bcrypt hash": BCRYPT_MARKER,
        **{f"token {index}": token for index, token in enumerate(tokens)},
        **{
            f"refresh-token hash {index}": hash_refresh_token(token)
            for index, token in enumerate(refresh_tokens)
        },
    }
    assert '"logger": "app.access"' in stdout  # the capture sees what the service writes
    assert len(every_record.texts) >= 8
    for where, text in (("stdout", stdout), *(("a record", text) for text in every_record.texts)):
        leaked = [name for name, secret in secrets.items() if secret in text]
        assert not leaked, f"{where} holds {leaked}: {text[:500]}"
