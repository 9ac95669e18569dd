"""The workers' loop: what it logs, and how long it says it waits after failures."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from app.interfaces.workers.polling_loop import REASON_CHARACTERS, Pacing, keep_running

# Short waits, so the loop's real pauses add up to a fraction of a second.
PACING = Pacing(idle_seconds=0.01, max_backoff_seconds=0.04)
# Only a loop that never stops gets anywhere near it.
STOP_DEADLINE_SECONDS = 30.0


def _steps(outcomes: list[int | Exception], stop: asyncio.Event) -> Callable[[], Awaitable[int]]:
    """A step that returns (or raises) each outcome in turn, then asks the loop to stop."""
    remaining = list(outcomes)

    async def step() -> int:
        if len(remaining) == 1:
            stop.set()
        outcome = remaining.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return step


async def _run(outcomes: list[int | Exception], caplog: pytest.LogCaptureFixture) -> list[str]:
    stop = asyncio.Event()
    step = _steps(outcomes, stop)
    with caplog.at_level(logging.INFO, logger="app.workers"):
        await asyncio.wait_for(
            keep_running("relay-events", step, PACING, stop, done="published"),
            STOP_DEADLINE_SECONDS,
        )
    return [record.getMessage() for record in caplog.records]


async def test_the_first_wait_after_a_failure_is_the_idle_wait_then_it_doubles_to_the_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = ConnectionRefusedError("the database is down")

    lines = await _run([down, down, down, down, 0], caplog)

    waits = [line.split("retrying in ")[1].split(" s:")[0] for line in lines if "retrying" in line]
    assert waits == ["0.01", "0.02", "0.04", "0.04"]
    assert lines[-1] == "relay-events recovered after 4 failure(s)"


async def test_each_busy_step_says_what_it_did_and_an_idle_one_says_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines = await _run([3, 0, 1, 0], caplog)

    assert lines == ["relay-events published 3 event(s)", "relay-events published 1 event(s)"]


async def test_a_failure_is_one_line_with_its_reasons_each_shortened(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        try:
            raise RuntimeError("x" * 5000)
        except RuntimeError as cause:
            raise ValueError("the statement\nfailed") from cause
    except ValueError as error:
        failure = error

    failed, recovered = await _run([failure, 0], caplog)

    assert recovered == "relay-events recovered after 1 failure(s)"
    assert failed.startswith(
        "relay-events failed (1 in a row), retrying in 0.01 s: ValueError: the statement "
        "failed <- RuntimeError: xxx"
    )
    reason = failed.split(" <- RuntimeError: ")[1]
    assert len(reason) == REASON_CHARACTERS
    assert reason.endswith("...")
