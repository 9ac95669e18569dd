"""BcryptPasswordHasher.close() lets the hashes already running finish before it returns.

The lifespan closes the hasher at shutdown; a registration or password change still
hashing then must get its hash, not a pool torn down under it. bcrypt.hashpw is held
by a gate in its worker thread, so the hash is in flight for as long as the test says.
"""

import asyncio
import threading

import bcrypt
import pytest

from app.domain.value_objects.password import Password
from app.infrastructure.security.bcrypt_password_hasher import PREHASHED, BcryptPasswordHasher
from app.infrastructure.security.password_prehash import prehashed

PASSWORD = Password("correct horse battery")
GATE_TIMEOUT_SECONDS = 5.0
# How long close() is given to (wrongly) return while the hash is held. Closing correctly
# it cannot return at all before the gate opens, so this only decides how surely a
# close() that does not wait is caught.
CLOSE_GRACE_SECONDS = 0.2


class Gate:
    """Holds each bcrypt.hashpw call in its worker thread until opened."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.finished = threading.Event()
        self._real_hashpw = bcrypt.hashpw

    def hashpw(self, password: bytes, salt: bytes) -> bytes:
        self.entered.set()
        self.opened.wait(timeout=GATE_TIMEOUT_SECONDS)
        hashed = self._real_hashpw(password, salt)
        self.finished.set()
        return hashed


async def test_close_waits_for_a_hash_in_flight_which_then_completes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = BcryptPasswordHasher(rounds=4, max_concurrency=1, max_pending=4)
    held = Gate()
    monkeypatch.setattr(bcrypt, "hashpw", held.hashpw)  # after the dummy hash of __init__
    returned_after_the_hash: list[bool] = []

    def close() -> None:
        hasher.close()
        returned_after_the_hash.append(held.finished.is_set())

    closer = threading.Thread(target=close, name="closer")
    try:
        in_flight = asyncio.create_task(hasher.hash(PASSWORD))
        assert await asyncio.to_thread(held.entered.wait, GATE_TIMEOUT_SECONDS)

        closer.start()
        closer.join(timeout=CLOSE_GRACE_SECONDS)
        still_closing = closer.is_alive()
        held.opened.set()
        closer.join(timeout=GATE_TIMEOUT_SECONDS)
    finally:
        held.opened.set()

    assert still_closing, "close() returned while a hash was still running"
    assert not closer.is_alive()
    assert returned_after_the_hash == [True]
    hashed = await in_flight
    assert bcrypt.checkpw(prehashed(PASSWORD.value), hashed.removeprefix(PREHASHED).encode())
