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

An attempt is counted as a failure when it is admitted, before the slow
verification, and given back if it turns out to be right or is never judged:
otherwise guesses racing at a limit would all pass it, one per verification in
flight. The store holds keys for admitted attempts only (RateLimitStage bounds
their rate per address), and the counters are {% if cookiecutter.use_redis == "true" %}shared by every process, in Redis (see
RedisThrottleStore){% else %}per process (see
InMemoryThrottleStore){% endif %}.
"""

import hashlib
from dataclasses import dataclass

from app.application.ports.login_attempt_store import LoginAttemptStore
from app.application.ports.rejection_counter import RejectionCounter
from app.domain.errors import RateLimitError

ACCOUNT_KEY_CHARS = 32  # of a SHA-256 hex digest: bounded keys, and no email kept in the store
# The limits by the names of their settings.
PER_ADDRESS = "login_failures_per_account_and_address"
PER_ACCOUNT = "login_failures_per_account"


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
    """One admitted attempt, already counted as a failure; report how it ended."""

    def __init__(
        self,
        store: LoginAttemptStore,
        limits: LoginLimits,
        keys: _Keys,
        counted: tuple[str, ...],  # the failure counters this attempt added one to
    ) -> None:
        self._store = store
        self._limits = limits
        self._keys = keys
        self._counted = counted

    async def abandoned(self) -> None:
        """The password was never judged (the database failed, say): no guess was spent."""
        for key in self._counted:
            await self._store.decrement(key)

    async def succeeded(self) -> None:
        await self._store.reset(self._keys.pair)
        if self._keys.account in self._counted:
            await self._store.decrement(self._keys.account)
        # A new window on every sign-in: the address is remembered from its latest one.
        await self._store.reset(self._keys.known)
        await self._store.increment(self._keys.known, self._limits.known_address_seconds)


class LoginThrottle:
    def __init__(
        self,
        store: LoginAttemptStore,
        limits: LoginLimits,
        rejections: RejectionCounter | None = None,
    ) -> None:
        self._store = store
        self._limits = limits
        self._rejections = rejections

    async def admit(self, account: str, address: str) -> LoginAttempt:
        """Count this attempt, or raise RateLimitError when it may not even be verified.

        `account` is the email as the login will look it up, `address` the
        client's address bucket.
        """
        keys = _Keys.of(account, address)
        known_count, _ = await self._store.peek(keys.known)
        # Each limit with the name its refusals are counted under (RejectionCounter).
        limits = [(keys.pair, self._limits.failures_per_account_and_address, PER_ADDRESS)]
        if known_count == 0:
            limits.append((keys.account, self._limits.failures_per_account, PER_ACCOUNT))
        counted: list[str] = []
        for key, limit, name in limits:
            if limit == 0:
                continue
            try:
                await self._take(key, limit)
            except RateLimitError:
                # A refused attempt is no failure: only admitted ones fill the window.
                for taken in counted:
                    await self._store.decrement(taken)
                if self._rejections is not None:
                    self._rejections.rejected(name)
                raise
            counted.append(key)
        return LoginAttempt(self._store, self._limits, keys, tuple(counted))

    async def _take(self, key: str, limit: int) -> None:
        """Count one at `key`; over `limit`, give it back and refuse."""
        failures, seconds_left = await self._store.increment(key, self._limits.window_seconds)
        if failures > limit:
            await self._store.decrement(key)
            raise RateLimitError(
                "Too many failed sign-ins; try again later",
                retry_after_seconds=seconds_left,
            )
