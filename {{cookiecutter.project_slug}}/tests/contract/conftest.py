"""Fixtures for contract tests: the real app, started through its lifespan, behind an HTTP client.

`database_url` and `settings` come from tests/conftest.py: every test gets a fresh,
migrated, empty database and settings pointing at it.
"""

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from app.infrastructure.config import Settings

from .helpers import (
    PASSWORD,
    Account,
    client_for,
    create_admin,
    login,
    new_email,
    running_app,
    signed_up,
)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """create_app(settings), entered through its lifespan like a server would."""
    async with running_app(settings) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http_client:
        yield http_client


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    """A user who signed up over HTTP and logged in once."""
    return await signed_up(client, "alice")


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await signed_up(client, "bob")


@pytest.fixture
async def admin(app: FastAPI, client: httpx.AsyncClient) -> Account:
    """An admin created through the command bus (there is no public way to become one)."""
    user = await create_admin(app, new_email("admin"))
    pair = await login(client, user.email)
    return Account(
        id=str(user.id),
        email=user.email,
        password=PASSWORD,
        access_token=pair["access_token"],
        refresh_token=pair["refresh_token"],
    )


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    """create_app points the root logger at this test's captured stdout: undo it after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
