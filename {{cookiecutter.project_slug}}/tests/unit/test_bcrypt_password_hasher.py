"""The real bcrypt hasher: it round-trips every character of a password, still opens the
plain bcrypt hashes stored before, and bounds how many hashes may wait."""

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator

import bcrypt
import pytest

from app.domain.value_objects.password import Password
from app.infrastructure.errors import HashingCapacityError
from app.infrastructure.security.bcrypt_password_hasher import BcryptPasswordHasher

PASSWORD = Password("correct horse battery")
GATE_TIMEOUT_SECONDS = 5.0
POLL_ATTEMPTS = 1000


@pytest.fixture
def hasher() -> Iterator[BcryptPasswordHasher]:
    bounded = BcryptPasswordHasher(rounds=4, max_concurrency=1, max_pending=1)
    try:
        yield bounded
    finally:
        bounded.close()


class Gate:
    """Holds every bcrypt.hashpw call in its worker thread until opened."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.timed_out = threading.Event()
        self._real_hashpw = bcrypt.hashpw
        self._real_checkpw = bcrypt.checkpw

    def _hold(self) -> None:
        self.entered.set()
        if not self.opened.wait(timeout=GATE_TIMEOUT_SECONDS):
            self.timed_out.set()

    def hashpw(self, password: bytes, salt: bytes) -> bytes:
        self._hold()
        return self._real_hashpw(password, salt)

    def checkpw(self, password: bytes, hashed_password: bytes) -> bool:
        self._hold()
        return self._real_checkpw(password, hashed_password)

    async def until_entered(self) -> None:
        for _ in range(POLL_ATTEMPTS):
            if self.entered.is_set():
                return
            await asyncio.sleep(0.005)
        pytest.fail("no hash reached bcrypt")


async def test_hash_and_verify_round_trip(hasher: BcryptPasswordHasher) -> None:
    hashed = await hasher.hash(PASSWORD)

    assert hashed.startswith("hmac-sha256$2b$04$")
    assert await hasher.verify(PASSWORD.value, hashed)
    assert not await hasher.verify("another password", hashed)
    assert not await hasher.verify(PASSWORD.value, None)  # the dummy verification


@pytest.mark.parametrize(
    "second_call",
    [
        pytest.param(lambda hasher: hasher.hash(PASSWORD), id="hash"),
        pytest.param(lambda hasher: hasher.verify(PASSWORD.value, None), id="verify"),
    ],
)
async def test_a_call_past_max_pending_is_refused_at_once_then_capacity_returns(
    hasher: BcryptPasswordHasher,
    monkeypatch: pytest.MonkeyPatch,
    second_call: Callable[[BcryptPasswordHasher], Awaitable[object]],
) -> None:
    gate = Gate()
    monkeypatch.setattr(bcrypt, "hashpw", gate.hashpw)
    first = asyncio.create_task(hasher.hash(PASSWORD))
    await gate.until_entered()

    with pytest.raises(HashingCapacityError, match=r"^1 password hashes already queued$"):
        await second_call(hasher)

    gate.opened.set()
    hashed = await first
    assert not gate.timed_out.is_set()
    # The slot is free again: the next calls run normally.
    assert await hasher.verify(PASSWORD.value, hashed)
    assert await hasher.verify(PASSWORD.value, await hasher.hash(PASSWORD))


CAP = 3


async def until_pending(hasher: BcryptPasswordHasher, count: int) -> None:
    # `pending` rises before a call's first await: a few event-loop turns admit the burst.
    for _ in range(POLL_ATTEMPTS):
        if hasher.pending == count:
            return
        await asyncio.sleep(0)
    pytest.fail(f"{hasher.pending} calls in flight, expected {count}")


def burst(hasher: BcryptPasswordHasher, hashed: str) -> list[asyncio.Task[object]]:
    """CAP calls, hashes and verifies mixed: every kind of call counts as pending."""
    calls: list[Awaitable[object]] = [
        hasher.hash(PASSWORD),
        hasher.verify(PASSWORD.value, hashed),
        hasher.verify(PASSWORD.value, None),
    ]
    return [asyncio.ensure_future(call) for call in calls[:CAP]]


@pytest.mark.parametrize(
    "extra_call",
    [
        pytest.param(lambda hasher: hasher.hash(PASSWORD), id="hash"),
        pytest.param(lambda hasher: hasher.verify(PASSWORD.value, None), id="verify"),
    ],
)
async def test_exactly_max_pending_calls_are_admitted_and_the_next_is_refused_in_every_burst(
    monkeypatch: pytest.MonkeyPatch,
    extra_call: Callable[[BcryptPasswordHasher], Awaitable[object]],
) -> None:
    hasher = BcryptPasswordHasher(rounds=4, max_concurrency=CAP, max_pending=CAP)
    try:
        hashed = await hasher.hash(PASSWORD)
        gate = Gate()
        monkeypatch.setattr(bcrypt, "hashpw", gate.hashpw)
        monkeypatch.setattr(bcrypt, "checkpw", gate.checkpw)
        for _ in range(2):  # the second burst comes after the first has drained
            gate.opened.clear()
            in_flight = burst(hasher, hashed)
            await until_pending(hasher, CAP)

            with pytest.raises(HashingCapacityError):
                await extra_call(hasher)
            assert hasher.pending == CAP

            gate.opened.set()
            new_hash, verified, dummy = await asyncio.gather(*in_flight)
            assert not gate.timed_out.is_set()
            assert isinstance(new_hash, str)
            assert (verified, dummy) == (True, False)
            assert hasher.pending == 0
    finally:
        hasher.close()


async def test_a_failing_hash_frees_its_slot(
    hasher: BcryptPasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_hashpw(password: bytes, salt: bytes) -> bytes:
        raise RuntimeError("bcrypt failed")

    monkeypatch.setattr(bcrypt, "hashpw", broken_hashpw)
    with pytest.raises(RuntimeError, match="bcrypt failed"):
        await hasher.hash(PASSWORD)
    monkeypatch.undo()

    assert await hasher.verify(PASSWORD.value, await hasher.hash(PASSWORD))


# 72 bytes in UTF-8, as much as bcrypt reads: 70 ASCII letters and one 2-byte letter.
SEVENTY_TWO_BYTES = "p" * 70 + "\u00e9"
SUFFIXES = [
    pytest.param("x", id="one-more-byte"),
    pytest.param("\u00e9", id="one-more-2-byte-letter"),
    pytest.param("\U0001f600" * 100, id="400-more-bytes-of-emoji"),
]


@pytest.mark.parametrize("suffix", SUFFIXES)
async def test_every_character_past_bcrypts_72_bytes_counts(
    hasher: BcryptPasswordHasher, suffix: str
) -> None:
    longer = SEVENTY_TWO_BYTES + suffix
    for password in (SEVENTY_TWO_BYTES, longer):
        hashed = await hasher.hash(Password(password))
        assert await hasher.verify(password, hashed)
    # bcrypt alone would read the first 72 bytes only, which match.
    assert not await hasher.verify(longer, await hasher.hash(Password(SEVENTY_TWO_BYTES)))
    assert not await hasher.verify(SEVENTY_TWO_BYTES, await hasher.hash(Password(longer)))


@pytest.mark.parametrize(
    ("stored", "given"),
    [
        pytest.param("cr\u00e8me", "cre\u0300me", id="precomposed-then-combining"),
        pytest.param("cre\u0300me", "cr\u00e8me", id="combining-then-precomposed"),
        pytest.param(
            "\uff50\uff41\uff53\uff53 2024", "pass \uff12\uff10\uff12\uff14", id="full-width"
        ),
    ],
)
async def test_spellings_nfkc_makes_one_are_one_password(
    hasher: BcryptPasswordHasher, stored: str, given: str
) -> None:
    hashed = await hasher.hash(Password(stored + " of a phrase"))
    assert await hasher.verify(given + " of a phrase", hashed)


def plain_bcrypt(password: str) -> str:
    """A hash as the service stored them before it pre-hashed: bcrypt over the password."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


async def test_a_plain_bcrypt_hash_still_verifies_and_asks_to_be_replaced(
    hasher: BcryptPasswordHasher,
) -> None:
    hashed = plain_bcrypt(PASSWORD.value)

    assert await hasher.verify(PASSWORD.value, hashed)
    assert not await hasher.verify("another password", hashed)
    assert hasher.needs_rehash(hashed)
    assert not hasher.needs_rehash(await hasher.hash(PASSWORD))


@pytest.mark.parametrize("suffix", [*SUFFIXES, pytest.param("y" * 10_000, id="10000-more")])
async def test_a_plain_hash_never_opens_for_its_first_72_bytes_plus_anything(
    hasher: BcryptPasswordHasher, suffix: str
) -> None:
    hashed = plain_bcrypt(SEVENTY_TWO_BYTES)
    assert await hasher.verify(SEVENTY_TWO_BYTES, hashed)

    # bcrypt would read only the first 72 bytes, which match: the hasher refuses instead.
    assert not await hasher.verify(SEVENTY_TWO_BYTES + suffix, hashed)


@pytest.mark.parametrize(
    ("made_with", "now_configured", "outdated"),
    [
        pytest.param(4, 5, True, id="cost-raised"),
        pytest.param(5, 5, False, id="same-cost"),
        pytest.param(5, 4, False, id="cost-lowered"),
    ],
)
async def test_needs_rehash_compares_the_hash_cost_with_the_setting(
    made_with: int, now_configured: int, outdated: bool
) -> None:
    old, new = (
        BcryptPasswordHasher(rounds=rounds, max_concurrency=1, max_pending=4)
        for rounds in (made_with, now_configured)
    )
    try:
        assert new.needs_rehash(await old.hash(PASSWORD)) is outdated
    finally:
        old.close()
        new.close()


async def test_hashes_run_on_threads_named_bcrypt(
    hasher: BcryptPasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name an operator's thread list or py-spy dump shows the hashing under."""
    names: list[str] = []
    real_hashpw = bcrypt.hashpw

    def recording_hashpw(password: bytes, salt: bytes) -> bytes:
        names.append(threading.current_thread().name)
        return real_hashpw(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", recording_hashpw)
    await hasher.hash(PASSWORD)

    assert [name.partition("_")[0] for name in names] == ["bcrypt"]
