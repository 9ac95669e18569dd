"""bcrypt, run on a small dedicated thread pool.

A cost-12 hash takes ~250 ms of CPU; on the event loop it would stall every
request. The pool bounds how many hashes run at once, and `max_pending` bounds
how many may wait: past it a storm of logins or registrations is refused at
once (503, retry later) instead of queueing for minutes.

A hash reads "hmac-sha256$2b$<cost>$...": bcrypt over the pre-hash of
password_prehash.py. One without that mark is plain bcrypt over the password (at
most 72 bytes), as the service stored them before: it still verifies, and
`needs_rehash` asks the login to replace it.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import bcrypt

from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.password import Password
from app.infrastructure.errors import HashingCapacityError
from app.infrastructure.security.password_prehash import prehashed

PREHASHED = "hmac-sha256"
# All plain bcrypt reads of a password; a longer one never matched a plain hash.
BCRYPT_MAX_BYTES = 72

ResultT = TypeVar("ResultT")


class BcryptPasswordHasher(PasswordHasher):
    def __init__(self, *, rounds: int, max_concurrency: int, max_pending: int) -> None:
        self._rounds = rounds
        self._max_pending = max_pending
        self._pending = 0
        self._executor = ThreadPoolExecutor(
            max_workers=max_concurrency, thread_name_prefix="bcrypt"
        )
        # Verified against when the account does not exist, to equalise timing.
        self._dummy_hash = bcrypt.hashpw(prehashed("timing-equaliser"), bcrypt.gensalt(rounds))

    async def hash(self, password: Password) -> str:
        salt = bcrypt.gensalt(self._rounds)
        hashed = await self._run(bcrypt.hashpw, prehashed(password.value), salt)
        return PREHASHED + hashed.decode()

    def needs_rehash(self, password_hash: str) -> bool:
        if not password_hash.startswith(PREHASHED):
            return True  # plain bcrypt, limited to 72 bytes: replaced at the next login
        # Then bcrypt's own "$2b$<cost>$<salt+digest>".
        _, _, cost, *_ = password_hash.removeprefix(PREHASHED).split("$")
        return cost.isdigit() and int(cost) < self._rounds

    async def verify(self, password: str, password_hash: str | None) -> bool:
        if password_hash is None or password_hash.startswith(PREHASHED):
            candidate, stored = prehashed(password), password_hash
        else:
            candidate, stored = password.encode(), password_hash
            if len(candidate) > BCRYPT_MAX_BYTES:
                # bcrypt 5 raises beyond 72 bytes; no plain hash was made of that many.
                candidate, stored = candidate[:BCRYPT_MAX_BYTES], None
        target = stored.removeprefix(PREHASHED).encode() if stored else self._dummy_hash
        matched = await self._run(bcrypt.checkpw, candidate, target)
        return matched and stored is not None

    @property
    def pending(self) -> int:
        """Hashes running or waiting for a thread, the ones BCRYPT_MAX_PENDING bounds."""
        return self._pending

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    async def _run(self, function: Callable[..., ResultT], *args: bytes) -> ResultT:
        # One event loop owns this hasher, so the counter needs no lock.
        if self._pending >= self._max_pending:
            raise HashingCapacityError(f"{self._pending} password hashes already queued")
        self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, function, *args)
        finally:
            self._pending -= 1
