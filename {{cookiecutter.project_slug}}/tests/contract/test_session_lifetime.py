"""A session (a login and its rotations) ends at SESSION_MAX_LIFETIME_DAYS, refreshed or not.

The login is moved into the past with SQL on the app's database: the token itself
stays unexpired, so only the session's start can end it.
"""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sql_statements import execute_sql, fetch_column

from app.application.services.token_service import hash_refresh_token
from app.infrastructure.config import Settings
from app.infrastructure.db.column_types import timestamp, to_datetime

from .helpers import REFRESH, Account, assert_envelope

ROTATED = "FROM refresh_tokens WHERE token_hash = :hash"


def _move_login_back(database_url: str, refresh_token: str, age: timedelta) -> None:
    statement = (
        "UPDATE refresh_tokens SET session_started_at = :started WHERE token_hash = :token_hash"
    )
    started = timestamp(datetime.now(UTC) - age)
    params = {"started": started, "token_hash": hash_refresh_token(refresh_token)}
    assert execute_sql(database_url, statement, params) == 1


@pytest.mark.parametrize(
    ("age", "status"),
    [
        pytest.param(timedelta(days=29, hours=23), 200, id="a-day-short-of-it"),
        pytest.param(timedelta(days=30, minutes=1), 401, id="past-it"),
    ],
)
async def test_a_refresh_works_only_within_the_sessions_lifetime(
    client: httpx.AsyncClient,
    settings: Settings,
    alice: Account,
    age: timedelta,
    status: int,
) -> None:
    assert settings.session_max_lifetime_days == 30
    _move_login_back(settings.database_url.get_secret_value(), alice.refresh_token, age)

    response = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})

    if status == 401:
        assert_envelope(response, 401, "INVALID_REFRESH_TOKEN")
    else:
        assert response.status_code == 200


async def test_a_rotated_token_expires_with_its_session(
    client: httpx.AsyncClient, settings: Settings, alice: Account
) -> None:
    database_url = settings.database_url.get_secret_value()
    _move_login_back(database_url, alice.refresh_token, timedelta(days=29))

    response = await client.post(REFRESH, json={"refresh_token": alice.refresh_token})

    rotated = {"hash": hash_refresh_token(response.json()["refresh_token"])}
    [started, expires_at] = (
        to_datetime(fetch_column(database_url, f"SELECT {column} {ROTATED}", rotated)[0])
        for column in ("session_started_at", "expires_at")
    )
    # A day left of the session, not the 7 of REFRESH_TOKEN_EXPIRE_DAYS.
    assert expires_at - started == timedelta(days=settings.session_max_lifetime_days)
    assert expires_at - datetime.now(UTC) < timedelta(days=1)
