"""Runs a worker's step again and again until asked to stop.

A step returns how much it did. After 0 (nothing to do) the loop waits
`idle_seconds`; after an error it logs one line and waits `idle_seconds`, doubling
the wait up to `max_backoff_seconds` while the errors go on, so a broker or
database that is down is not hammered. One good step resets the wait.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

logger = logging.getLogger("app.workers")
# Per message of a failure's reason chain: a driver can put a whole statement in one.
REASON_CHARACTERS = 300


@dataclass(frozen=True, slots=True)
class Pacing:
    idle_seconds: float
    max_backoff_seconds: float


async def keep_running(
    name: str,
    step: Callable[[], Awaitable[int]],
    pacing: Pacing,
    stop: asyncio.Event,
    *,
    done: str,
) -> None:
    """`done` says what a step's count is, for the line each busy step logs: "published"."""
    failures = 0
    while not stop.is_set():
        try:
            count = await step()
        except Exception as error:  # logged; the worker carries on
            failures += 1
            wait = min(pacing.max_backoff_seconds, pacing.idle_seconds * 2 ** (failures - 1))
            logger.warning(
                "%s failed (%d in a row), retrying in %g s: %s",
                name,
                failures,
                wait,
                reason(error),
            )
        else:
            if failures:
                logger.info("%s recovered after %d failure(s)", name, failures)
            failures = 0
            if count:
                logger.info("%s %s %d event(s)", name, done, count)
                continue
            wait = pacing.idle_seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)


def reason(error: BaseException) -> str:
    """The chain's messages on one line, outermost first: "EventRefusedError: published 0
    event(s) before failing <- EventNotHandledError: ...". Driver messages carry no password.
    """
    reasons: list[str] = []
    current: BaseException | None = error
    while current is not None and len(reasons) < 3:
        message = " ".join(str(current).split())
        if len(message) > REASON_CHARACTERS:
            message = message[: REASON_CHARACTERS - 3] + "..."
        reasons.append(f"{type(current).__name__}: {message}")
        current = current.__cause__
    return " <- ".join(reasons)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM or SIGINT sets `stop`: the step in progress ends, then the loop does.

    Install it before startup: as PID 1 in a container, a process ignores a SIGTERM
    it has no handler for, and the stop would wait for Docker's SIGKILL.
    """
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    try:
        yield
    finally:
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)
