"""Fixtures for unit tests: fakes wired the way the composition root wires the real thing."""

from datetime import UTC, datetime

import pytest

from app.application.services.token_service import TokenService
from app.infrastructure.security.jwt_access_token_codec import JwtAccessTokenCodec

from .fakes import FakeAccessTokenCodec, FakePasswordHasher, FixedClock, InMemoryUnitOfWork
from .helpers import (
    ACCESS_TTL,
    JWT_ALGORITHM,
    JWT_AUDIENCE,
    JWT_ISSUER,
    JWT_SECRET,
    REFRESH_TTL,
    SESSION_LIFETIME,
)


@pytest.fixture
def clock() -> FixedClock:
    # PyJWT checks `exp` and `iat` against the real time, so start from it.
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def uow() -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork()


@pytest.fixture
def jwt_codec() -> JwtAccessTokenCodec:
    return JwtAccessTokenCodec(
        secret=JWT_SECRET, algorithm=JWT_ALGORITHM, issuer=JWT_ISSUER, audience=JWT_AUDIENCE
    )


@pytest.fixture
def tokens(clock: FixedClock) -> TokenService:
    """Handler tests do not care how access tokens are signed."""
    return TokenService(
        codec=FakeAccessTokenCodec(clock),
        clock=clock,
        access_ttl=ACCESS_TTL,
        refresh_ttl=REFRESH_TTL,
        session_lifetime=SESSION_LIFETIME,
    )


@pytest.fixture
def jwt_tokens(clock: FixedClock, jwt_codec: JwtAccessTokenCodec) -> TokenService:
    return TokenService(
        codec=jwt_codec,
        clock=clock,
        access_ttl=ACCESS_TTL,
        refresh_ttl=REFRESH_TTL,
        session_lifetime=SESSION_LIFETIME,
    )
