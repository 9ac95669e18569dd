"""Failed logins counted per account, against guessing spread over many addresses.

The per-address limit (RateLimitStage) stops one client, but an attacker with
many addresses gets that budget once per address. So failures are also counted

- per account and address bucket: a few, then that address waits;
- per account, a higher ceiling, counting only addresses that have never
  signed in to the account: once reached, every such address waits, whatever
  password it sends.

An address that signed in to the account is remembered for a while and is not
held to the ceiling, so an attack on an account cannot lock its owner out of
the places they sign in from. Both checks come before the password is verified
(a refused guess gets no verdict) and key on the email, not the user, so an
email nobody registered behaves exactly like an existing account's.

Failures are counted after the verification, so the store grows at bcrypt's
pace, not at the request rate; requests racing at a limit can pass it by the
verifications in flight at that moment (at most BCRYPT_MAX_PENDING).
"""

import hashlib
from dataclasses import dataclass

from app.application.ports.login_attempt_store import LoginAttemptStore
from app.domain.errors import RateLimitError

ACCOUNT_KEY_CHARS = 32  # of a SHA-256 hex digest: bounded keys, and no email kept in the store


@dataclass(frozen=True, slots=True)
class LoginLimits:
    failures_per_account_and_address: int  # 0 = no limit
    failures_per_account: int  # from addresses that never signed in to it; 0 = no ceiling
    window_seconds: int
    known_address_seconds: int  # how long a successful sign-in exempts its address


@dataclass(frozen=True, slots=True)
class _Keys:
    pair: str
    account: str
    known: str

    @classmethod
    def of(cls, account: str, address: str) -> "_Keys":
        digest = hashlib.sha256(account.encode()).hexdigest()[:ACCOUNT_KEY_CHARS]
        return cls(
            pair=f"login-failures:{digest}:{address}",
            account=f"login-failures:{digest}",
            known=f"login-known:{digest}:{address}",
        )


class LoginAttempt:
    """One admitted attempt; report its outcome once the password was checked."""

    def __init__(
        self, store: LoginAttemptStore, limits: LoginLimits, keys: _Keys, *, known: bool
    ) -> None:
        self._store = store
        self._limits = limits
        self._keys = keys
        self._known = known

    async def failed(self) -> None:
        window = self._limits.window_seconds
        await self._store.increment(self._keys.pair, window)
        if not self._known:
            await self._store.increment(self._keys.account, window)

    async def succeeded(self) -> None:
        await self._store.reset(self._keys.pair)
        # A new window on every sign-in: the address is remembered from its latest one.
        await self._store.reset(self._keys.known)
        await self._store.increment(self._keys.known, self._limits.known_address_seconds)


class LoginThrottle:
    def __init__(self, store: LoginAttemptStore, limits: LoginLimits) -> None:
        self._store = store
        self._limits = limits

    async def admit(self, account: str, address: str) -> LoginAttempt:
        """Raise RateLimitError when this attempt may not even be verified.

        `account` is the email as the login will look it up, `address` the
        client's address bucket.
        """
        keys = _Keys.of(account, address)
        await self._refuse_over(self._limits.failures_per_account_and_address, keys.pair)
        known_count, _ = await self._store.peek(keys.known)
        known = known_count > 0
        if not known:
            await self._refuse_over(self._limits.failures_per_account, keys.account)
        return LoginAttempt(self._store, self._limits, keys, known=known)

    async def _refuse_over(self, limit: int, key: str) -> None:
        if limit == 0:
            return
        failures, seconds_left = await self._store.peek(key)
        if failures >= limit:
            raise RateLimitError(
                "Too many failed sign-ins; try again later",
                retry_after_seconds=seconds_left,
            )
