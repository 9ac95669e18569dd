"""Fixtures for unit tests: fakes wired the way the composition root wires the real thing."""

from datetime import UTC, datetime, timedelta

import pytest

from app.application.services.token_service import TokenService
from app.infrastructure.security.jwt_access_token_codec import JwtAccessTokenCodec

from .fakes import FakeAccessTokenCodec, FakePasswordHasher, FixedClock, InMemoryUnitOfWork

JWT_SECRET = "unit-test-secret-" + "x" * 47  # 64 bytes: long enough for HS256 and HS512
JWT_ALGORITHM = "HS256"
JWT_ISSUER = "my-service-tests"
ACCESS_TTL = timedelta(minutes=30)
REFRESH_TTL = timedelta(days=7)


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
    return JwtAccessTokenCodec(secret=JWT_SECRET, algorithm=JWT_ALGORITHM, issuer=JWT_ISSUER)


@pytest.fixture
def tokens(clock: FixedClock) -> TokenService:
    """Handler tests do not care how access tokens are signed."""
    return TokenService(
        codec=FakeAccessTokenCodec(clock),
        clock=clock,
        access_ttl=ACCESS_TTL,
        refresh_ttl=REFRESH_TTL,
    )


@pytest.fixture
def jwt_tokens(clock: FixedClock, jwt_codec: JwtAccessTokenCodec) -> TokenService:
    return TokenService(
        codec=jwt_codec, clock=clock, access_ttl=ACCESS_TTL, refresh_ttl=REFRESH_TTL
    )
