"""Runs a worker's step again and again until asked to stop.

A step returns how much it did. After 0 (nothing to do) the loop waits
`idle_seconds`; after an error it logs one line and waits, doubling the wait from
`idle_seconds` up to `max_backoff_seconds` while the errors go on, so a broker
or database that is down is not hammered. One good step resets the wait.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

logger = logging.getLogger("app.workers")


@dataclass(frozen=True, slots=True)
class Pacing:
    idle_seconds: float
    max_backoff_seconds: float


async def keep_running(
    name: str, step: Callable[[], Awaitable[int]], pacing: Pacing, stop: asyncio.Event
) -> None:
    failures = 0
    while not stop.is_set():
        try:
            done = await step()
        except Exception as error:  # logged; the worker carries on
            failures += 1
            wait = min(pacing.max_backoff_seconds, pacing.idle_seconds * 2**failures)
            logger.warning(
                "%s failed (%d in a row), retrying in %.1f s: %s",
                name,
                failures,
                wait,
                _reason(error),
            )
        else:
            if failures:
                logger.info("%s recovered after %d failure(s)", name, failures)
            failures = 0
            if done:
                continue
            wait = pacing.idle_seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)


def _reason(error: BaseException) -> str:
    # The chain's messages, outermost first: "published 3 event(s) before failing:
    # Redis failed: ConnectionError: ...". Driver messages carry no password.
    reasons: list[str] = []
    current: BaseException | None = error
    while current is not None and len(reasons) < 3:
        reasons.append(f"{type(current).__name__}: {' '.join(str(current).split())}")
        current = current.__cause__
    return " <- ".join(reasons)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM or SIGINT sets `stop`: the step in progress ends, then the loop does."""
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    try:
        yield
    finally:
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)
