"""The login throttle inside LoginUser: refused before the hash, per account and address."""

import asyncio
from dataclasses import replace

import pytest

from app.application.services.login_throttle import LoginLimits, LoginThrottle
from app.application.services.token_service import TokenService
from app.domain.errors import AuthenticationError, RateLimitError
from app.infrastructure.throttle.in_memory_throttle_store import InMemoryThrottleStore

from .fakes import FakePasswordHasher, FixedClock, InMemoryUnitOfWork
from .helpers import PASSWORD, create_user, login

LIMITS = LoginLimits(
    failures_per_account_and_address=2,
    failures_per_account=4,
    window_seconds=600,
    known_address_seconds=3600,
)
ALICE = "alice@example.com"
HOME = "198.51.100.20"
FRESH = "192.0.2.99"
WRONG = "not the password"


class Seconds:
    """A monotonic clock for the store that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def throttle(seconds: Seconds) -> LoginThrottle:
    return LoginThrottle(InMemoryThrottleStore(clock=seconds), LIMITS)


async def _attempt(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
    address: str,
    password: str = WRONG,
    email: str = ALICE,
) -> str:
    """The outcome's name: "ok", "invalid" or "limited"."""
    try:
        await login(uow, hasher, tokens, email, password, throttle=throttle, address=address)
    except AuthenticationError:
        return "invalid"
    except RateLimitError:
        return "limited"
    return "ok"


async def _spend_the_ceiling(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
) -> None:
    for n in range(LIMITS.failures_per_account):
        assert await _attempt(uow, hasher, tokens, throttle, f"203.0.113.{n}") == "invalid"


@pytest.fixture
async def alice(uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock) -> None:
    await create_user(uow, hasher, clock, ALICE)


@pytest.mark.usefixtures("alice")
async def test_a_refused_attempt_reaches_neither_the_database_nor_the_hasher(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
) -> None:
    await _spend_the_ceiling(uow, hasher, tokens, throttle)
    verified, transactions = len(hasher.verified), uow.commits + uow.rollbacks

    outcome = await _attempt(uow, hasher, tokens, throttle, "203.0.113.99", PASSWORD)

    assert outcome == "limited"
    assert len(hasher.verified) == verified, "no verdict: the password was never checked"
    assert uow.commits + uow.rollbacks == transactions


@pytest.mark.parametrize("email", [pytest.param(ALICE, id="existing"), "nobody@example.com"])
@pytest.mark.usefixtures("alice")
async def test_the_ceiling_counts_failures_from_any_address_for_any_email(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
    email: str,
) -> None:
    outcomes = [
        await _attempt(uow, hasher, tokens, throttle, f"203.0.113.{n}", email=email)
        for n in range(LIMITS.failures_per_account + 2)
    ]

    assert outcomes == ["invalid"] * LIMITS.failures_per_account + ["limited"] * 2


@pytest.mark.usefixtures("alice")
async def test_an_address_that_signed_in_is_exempt_from_the_ceiling_but_not_its_own_limit(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
) -> None:
    assert await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD) == "ok"
    await _spend_the_ceiling(uow, hasher, tokens, throttle)

    at_home = [await _attempt(uow, hasher, tokens, throttle, HOME) for _ in range(3)]

    assert at_home == ["invalid", "invalid", "limited"]


@pytest.mark.usefixtures("alice")
async def test_a_sign_in_clears_the_failures_of_its_address(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
) -> None:
    outcomes = [
        await _attempt(uow, hasher, tokens, throttle, HOME),
        await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD),
        await _attempt(uow, hasher, tokens, throttle, HOME),
        await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD),
    ]

    assert outcomes == ["invalid", "ok", "invalid", "ok"]


@pytest.mark.usefixtures("alice")
async def test_the_ceiling_ends_with_its_window(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
    seconds: Seconds,
) -> None:
    await _spend_the_ceiling(uow, hasher, tokens, throttle)
    seconds.now += LIMITS.window_seconds - 1
    just_before = await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD)
    seconds.now += 1
    after = await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD)

    assert (just_before, after) == ("limited", "ok")


@pytest.mark.usefixtures("alice")
async def test_a_known_address_is_forgotten_after_its_time(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
    seconds: Seconds,
) -> None:
    assert await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD) == "ok"
    seconds.now += LIMITS.known_address_seconds
    await _spend_the_ceiling(uow, hasher, tokens, throttle)

    assert await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD) == "limited"


@pytest.mark.usefixtures("alice")
async def test_every_sign_in_renews_the_memory_of_its_address(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
    seconds: Seconds,
) -> None:
    assert await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD) == "ok"
    seconds.now += LIMITS.known_address_seconds - 1
    assert await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD) == "ok"
    seconds.now += 2  # past the first sign-in's memory, well within the second's
    await _spend_the_ceiling(uow, hasher, tokens, throttle)

    assert await _attempt(uow, hasher, tokens, throttle, HOME, PASSWORD) == "ok"


@pytest.mark.usefixtures("alice")
async def test_guesses_waiting_for_their_verdict_already_count(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
) -> None:
    """All guesses are admitted before any verification ends: still only the ceiling's worth."""
    release = asyncio.Event()

    async def wait_for_release() -> None:
        await release.wait()

    hasher.after_verify = wait_for_release
    guesses = [
        asyncio.ensure_future(_attempt(uow, hasher, tokens, throttle, f"203.0.113.{n}"))
        for n in range(LIMITS.failures_per_account + 3)
    ]
    await asyncio.sleep(0)  # each guess runs up to its verification, or is refused
    assert len(hasher.verified) + sum(guess.done() for guess in guesses) == len(guesses)
    release.set()

    outcomes = sorted(await asyncio.gather(*guesses))

    assert outcomes == ["invalid"] * LIMITS.failures_per_account + ["limited"] * 3
    assert len(hasher.verified) == LIMITS.failures_per_account


@pytest.mark.usefixtures("alice")
async def test_the_right_password_from_new_addresses_spends_none_of_the_ceiling(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
) -> None:
    for n in range(LIMITS.failures_per_account):
        assert await _attempt(uow, hasher, tokens, throttle, f"198.51.100.{n}", PASSWORD) == "ok"

    await _spend_the_ceiling(uow, hasher, tokens, throttle)

    assert await _attempt(uow, hasher, tokens, throttle, FRESH) == "limited"


class DatabaseDownError(Exception):
    pass


@pytest.mark.usefixtures("alice")
async def test_an_attempt_that_fails_before_its_verdict_spends_nothing(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
) -> None:
    async def fail() -> None:
        raise DatabaseDownError

    hasher.after_verify = fail
    for _ in range(LIMITS.failures_per_account + 1):
        with pytest.raises(DatabaseDownError):
            await login(uow, hasher, tokens, ALICE, WRONG, throttle=throttle, address=HOME)
    hasher.after_verify = None

    outcomes = [await _attempt(uow, hasher, tokens, throttle, HOME) for _ in range(3)]

    assert outcomes == ["invalid", "invalid", "limited"]  # the pair limit, all of it left


async def test_retry_after_is_the_time_left_in_the_window(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
    seconds: Seconds,
) -> None:
    for _ in range(LIMITS.failures_per_account_and_address):
        await _attempt(uow, hasher, tokens, throttle, HOME)
    seconds.now += 100

    with pytest.raises(RateLimitError) as caught:
        await login(uow, hasher, tokens, ALICE, PASSWORD, throttle=throttle, address=HOME)

    assert caught.value.retry_after_seconds == LIMITS.window_seconds - 100
    assert caught.value.code == "RATE_LIMITED"


async def test_zero_turns_the_limits_off(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, tokens: TokenService
) -> None:
    limits = replace(LIMITS, failures_per_account_and_address=0, failures_per_account=0)
    unlimited = LoginThrottle(InMemoryThrottleStore(), limits)

    outcomes = {await _attempt(uow, hasher, tokens, unlimited, HOME) for _ in range(20)}

    assert outcomes == {"invalid"}


@pytest.mark.parametrize(
    ("per_address", "per_account"),
    [pytest.param(0, 3, id="address-limit-off"), pytest.param(3, 0, id="ceiling-off")],
)
@pytest.mark.usefixtures("alice")
async def test_zero_turns_off_only_its_own_limit(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    per_address: int,
    per_account: int,
) -> None:
    limits = replace(
        LIMITS, failures_per_account_and_address=per_address, failures_per_account=per_account
    )
    one_limit = LoginThrottle(InMemoryThrottleStore(), limits)

    outcomes = [await _attempt(uow, hasher, tokens, one_limit, FRESH) for _ in range(5)]

    assert outcomes == ["invalid"] * 3 + ["limited"] * 2


@pytest.mark.usefixtures("alice")
async def test_attempts_the_ceiling_refused_spend_nothing_of_their_address_limit(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    throttle: LoginThrottle,
    seconds: Seconds,
) -> None:
    await _spend_the_ceiling(uow, hasher, tokens, throttle)
    seconds.now += 300
    refused = [await _attempt(uow, hasher, tokens, throttle, FRESH) for _ in range(2)]
    seconds.now += 301  # the ceiling's window is over

    after = [await _attempt(uow, hasher, tokens, throttle, FRESH) for _ in range(3)]

    assert refused == ["limited", "limited"]
    assert after == ["invalid", "invalid", "limited"]


async def test_an_abandoned_attempt_gives_its_place_under_the_ceiling_to_the_next() -> None:
    one_at_a_time = replace(LIMITS, failures_per_account_and_address=0, failures_per_account=1)
    throttle = LoginThrottle(InMemoryThrottleStore(), one_at_a_time)
    first = await throttle.admit(ALICE, "203.0.113.1")
    with pytest.raises(RateLimitError):
        await throttle.admit(ALICE, "203.0.113.2")

    await first.abandoned()  # e.g. the database failed before a verdict

    await throttle.admit(ALICE, "203.0.113.3")
