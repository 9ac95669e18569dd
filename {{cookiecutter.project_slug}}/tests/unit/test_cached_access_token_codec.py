"""CachedAccessTokenCodec: a verified token is recognised by its bytes, never past its expiry."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app import bootstrap
from app.application.services.access_token_codec import AccessClaims
from app.domain.errors import InvalidTokenError
from app.domain.value_objects.role import Role
from app.infrastructure.config import Settings
from app.infrastructure.security.cached_access_token_codec import CachedAccessTokenCodec
from app.infrastructure.security.jwt_access_token_codec import JwtAccessTokenCodec

from .fakes import FixedClock
from .helpers import JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET


class CountingCodec:
    """The real JWT codec, counting how often it is asked to verify."""

    def __init__(self) -> None:
        self.inner = JwtAccessTokenCodec(
            secret=JWT_SECRET, algorithm=JWT_ALGORITHM, issuer=JWT_ISSUER, audience=JWT_AUDIENCE
        )
        self.decodes = 0

    def encode(self, claims: AccessClaims) -> str:
        return self.inner.encode(claims)

    def decode(self, token: str) -> AccessClaims:
        self.decodes += 1
        return self.inner.decode(token)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _token(codec: CountingCodec, ttl: timedelta = timedelta(minutes=10)) -> str:
    now = _now()
    claims = AccessClaims(uuid.uuid4(), Role.USER, issued_at=now, expires_at=now + ttl)
    return codec.encode(claims)


def _cached(
    codec: CountingCodec, clock: FixedClock, max_entries: int = 100
) -> CachedAccessTokenCodec:
    return CachedAccessTokenCodec(codec, clock=clock, max_entries=max_entries)


def test_a_token_is_verified_once_and_then_recognised() -> None:
    inner, clock = CountingCodec(), FixedClock(_now())
    cached, token = _cached(inner, clock), _token(inner)

    first, second = cached.decode(token), cached.decode(token)

    assert first == second == inner.inner.decode(token)
    assert inner.decodes == 1


def test_a_cached_token_is_refused_from_the_second_it_expires() -> None:
    inner, clock = CountingCodec(), FixedClock(_now())
    cached, token = _cached(inner, clock), _token(inner, ttl=timedelta(seconds=60))
    cached.decode(token)

    clock.advance(timedelta(seconds=59))
    cached.decode(token)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidTokenError) as refused:
        cached.decode(token)

    assert (refused.value.code, refused.value.message) == ("TOKEN_EXPIRED", "Access token expired")
    assert inner.decodes == 1  # refused on the cached claims, and not kept after
    with pytest.raises(InvalidTokenError):
        cached.decode(token)
    assert inner.decodes == 2


@pytest.mark.parametrize(
    "bad",
    [
        "not-a-jwt",
        "",
        # A valid token's signature with one character changed.
        "tampered",
    ],
)
def test_a_token_that_fails_is_checked_in_full_every_time(bad: str) -> None:
    inner, clock = CountingCodec(), FixedClock(_now())
    cached = _cached(inner, clock)
    if bad == "tampered":
        good = _token(inner)
        cached.decode(good)
        bad = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    before = inner.decodes

    for _ in range(3):
        with pytest.raises(InvalidTokenError):
            cached.decode(bad)

    assert inner.decodes == before + 3


def test_the_store_is_bounded_and_drops_the_oldest_first() -> None:
    inner, clock = CountingCodec(), FixedClock(_now())
    cached = _cached(inner, clock, max_entries=2)
    first, second, third = _token(inner), _token(inner), _token(inner)

    for token in (first, second, third):
        cached.decode(token)
    assert inner.decodes == 3
    cached.decode(third)
    cached.decode(second)
    assert inner.decodes == 3  # the two newest are still known
    cached.decode(first)
    assert inner.decodes == 4  # the oldest was dropped and is verified again


def test_a_size_of_zero_verifies_every_token_in_full() -> None:
    clock = FixedClock(_now())
    assert isinstance(bootstrap._access_token_codec(Settings(), clock), CachedAccessTokenCodec)
    off = Settings(access_token_cache_size=0)
    assert isinstance(bootstrap._access_token_codec(off, clock), JwtAccessTokenCodec)
