"""Engines and units of work over the test database; every engine is closed."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine
from app.infrastructure.db.unit_of_work import SqlUnitOfWork


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Any]:
    # An engine left open keeps aiosqlite threads alive and can hang the test run.
    engine = create_engine(settings)
    try:
        yield engine
    finally:
        await engine.close()


@pytest.fixture
async def other_engine(settings: Settings) -> AsyncIterator[Any]:
    """A second process's own connections to the same database: another relay, say."""
    engine = create_engine(settings)
    try:
        yield engine
    finally:
        await engine.close()


@pytest.fixture
def uow(engine: Any) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine)
