"""Refreshes counted where tokens are minted: per client address and per session.

A refresh costs no password check, so the login throttle does not cover it, and each
one that works stores a new token. Two limits, each in a fixed window:

- per address bucket, the refresh tokens that are unknown, expired or past their
  session's lifetime: a client guessing tokens meets a 429, and the table is searched
  no faster than that;
- per session (a login's family), every refresh of a token that exists, replays of
  rotated or revoked ones included: a stolen token cannot be spun into a flood of new
  rows, while a client refreshing as it should (once per access token) never gets
  near the limit.

Like the login throttle, an attempt is counted as a failure when it is admitted and
given back once it works, so concurrent bad tokens cannot all slip under the limit.
"""

import uuid
from dataclasses import dataclass

from app.application.ports.login_attempt_store import LoginAttemptStore
from app.application.ports.rejection_counter import RejectionCounter
from app.domain.errors import RateLimitError

# The limits by the names of their settings.
PER_ADDRESS = "refresh_failures_per_address"
PER_SESSION = "refreshes_per_session"


@dataclass(frozen=True, slots=True)
class RefreshLimits:
    failures_per_address: int  # 0 = no limit
    per_session: int  # 0 = no limit
    window_seconds: int


class RefreshAttempt:
    """One admitted refresh, counted as a failure of its address until it works."""

    def __init__(self, throttle: "RefreshThrottle", address_key: str | None) -> None:
        self._throttle = throttle
        self._address_key = address_key

    async def abandoned(self) -> None:
        """Never judged (the database failed, say): no token was spent."""
        await self._give_back()

    async def found(self, family_id: uuid.UUID) -> None:
        """The token exists and has not expired: no failure, but a refresh of its session.

        Raises RateLimitError when the session already refreshed its fill.
        """
        await self._give_back()
        await self._throttle.take_session(family_id)

    async def _give_back(self) -> None:
        key, self._address_key = self._address_key, None
        if key is not None:
            await self._throttle.give_back(key)


class RefreshThrottle:
    def __init__(
        self,
        store: LoginAttemptStore,
        limits: RefreshLimits,
        rejections: RejectionCounter | None = None,
    ) -> None:
        self._store = store
        self._limits = limits
        self._rejections = rejections

    async def admit(self, address: str) -> RefreshAttempt:
        """Count this refresh as a failure of `address`, or refuse it over the limit."""
        if self._limits.failures_per_address == 0:
            return RefreshAttempt(self, None)
        key = f"refresh-failures:{address}"
        await self._take(key, self._limits.failures_per_address, PER_ADDRESS)
        return RefreshAttempt(self, key)

    async def take_session(self, family_id: uuid.UUID) -> None:
        if self._limits.per_session:
            await self._take(f"refreshes:{family_id}", self._limits.per_session, PER_SESSION)

    async def give_back(self, key: str) -> None:
        await self._store.decrement(key)

    async def _take(self, key: str, limit: int, name: str) -> None:
        count, seconds_left = await self._store.increment(key, self._limits.window_seconds)
        if count > limit:
            await self._store.decrement(key)
            if self._rejections is not None:
                self._rejections.rejected(name)
            raise RateLimitError(
                "Too many refreshes; try again later", retry_after_seconds=seconds_left
            )
