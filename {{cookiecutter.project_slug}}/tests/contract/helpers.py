"""Small helpers shared by the contract tests: accounts, tokens, envelope checks."""

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from app.application.commands.create_user import CreateUserCommand
from app.application.dto.user import UserDTO
from app.domain.value_objects.role import Role
from app.infrastructure.config import Settings
from app.main import create_app

PASSWORD = "correct horse battery"
BASE_URL = "http://testserver"
CLIENT_ADDRESS = "127.0.0.1"  # what httpx.ASGITransport reports by default
REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
CHANGE_PASSWORD = "/api/v1/auth/change-password"
USERS = "/api/v1/users"


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """A fresh app from create_app(settings), started and stopped through its lifespan."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@contextmanager
def listening_beside_the_app(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture what an app started in the test logs: its startup gave the root logger a
    handler of its own, in place of caplog's."""
    logging.getLogger().addHandler(caplog.handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(caplog.handler)


def client_for(app: FastAPI, address: str = CLIENT_ADDRESS) -> httpx.AsyncClient:
    """An HTTP client whose requests reach `app` from the client address `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 123))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


@asynccontextmanager
async def running_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """For tests that need an app built from a variant of the settings."""
    async with running_app(settings) as app, client_for(app) as client:
        yield client


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def access_token(
    settings: Settings, user_id: str, *, secret: str | None = None, **claims: object
) -> str:
    """An access token as the service signs one, valid for 5 minutes; `claims` override."""
    now = datetime.now(UTC)
    payload: dict[str, object] = {
        "sub": user_id,
        "role": "user",
        "typ": "access",
        "iss": settings.jwt_issuer,
        "aud": settings.token_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        **claims,
    }
    key = secret or settings.jwt_secret_key.get_secret_value()
    return jwt.encode(payload, key, algorithm=settings.jwt_algorithm)


@dataclass(frozen=True, slots=True)
class Account:
    """A registered user and the token pair of one login."""

    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


async def register(
    client: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post(
        REGISTER, json={"email": email or new_email(), "password": password}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def signed_up(client: httpx.AsyncClient, prefix: str = "user") -> Account:
    """Register a new user over HTTP and log in once."""
    user = await register(client, new_email(prefix))
    pair = await login(client, user["email"])
    return Account(
        id=user["id"],
        email=user["email"],
        password=PASSWORD,
        access_token=pair["access_token"],
        refresh_token=pair["refresh_token"],
    )


async def create_admin(app: FastAPI, email: str, password: str = PASSWORD) -> UserDTO:
    """Admins cannot sign themselves up: create one through the command bus."""
    user: UserDTO = await app.state.container.command_bus.dispatch(
        CreateUserCommand(email=email, password=password, requester=None, role=Role.ADMIN)
    )
    return user


def assert_envelope(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    """The response is `status` with exactly the error envelope; returns its `error` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


def assert_no_secrets(response: httpx.Response, *secrets: str) -> None:
    """Nothing password-like leaves the service, whatever the status."""
    text = response.text
    assert "password_hash" not in text
    assert "$2b$" not in text
    for secret in secrets:
        assert secret not in text
