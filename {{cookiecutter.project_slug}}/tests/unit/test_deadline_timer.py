"""DeadlineTimer: one loop timer that still ends every open operation on time."""

import asyncio
from typing import Any

from app.infrastructure.db.deadline_timer import DeadlineTimer

SECONDS = 0.05


class Abandoned:
    def __init__(self) -> None:
        self.connections: list[Any] = []

    def __call__(self, connection: Any) -> None:
        self.connections.append(connection)


async def test_an_open_deadline_abandons_what_it_lent_when_its_time_is_up() -> None:
    timer, abandoned = DeadlineTimer(SECONDS), Abandoned()
    deadline = timer.start(abandoned)
    deadline.watch("connection")

    await asyncio.sleep(SECONDS / 2)
    assert not deadline.expired
    await asyncio.sleep(SECONDS)

    assert deadline.expired
    assert abandoned.connections == ["connection"]


async def test_a_closed_deadline_never_fires() -> None:
    timer, abandoned = DeadlineTimer(SECONDS), Abandoned()
    deadlines = [timer.start(abandoned) for _ in range(100)]
    for deadline in deadlines:
        deadline.watch("connection")
        deadline.close()

    await asyncio.sleep(SECONDS * 2)

    assert not any(deadline.expired for deadline in deadlines)
    assert abandoned.connections == []


async def test_open_deadlines_behind_closed_ones_each_fire_at_their_own_time() -> None:
    timer, abandoned = DeadlineTimer(SECONDS), Abandoned()
    first = timer.start(abandoned)
    first.close()
    second = timer.start(abandoned)
    await asyncio.sleep(SECONDS / 2)
    third = timer.start(abandoned)
    timer.start(abandoned).close()

    await asyncio.sleep(SECONDS * 0.75)  # past the second's time, not the third's
    assert (first.expired, second.expired, third.expired) == (False, True, False)
    await asyncio.sleep(SECONDS)
    assert third.expired


def test_a_timer_serves_one_event_loop_after_another() -> None:
    timer = DeadlineTimer(SECONDS)

    async def leave_one_open() -> None:
        timer.start(Abandoned())

    async def one_operation() -> bool:
        deadline = timer.start(Abandoned())
        await asyncio.sleep(SECONDS * 2)
        return deadline.expired

    asyncio.run(leave_one_open())  # that loop ends with the timer set on it
    assert asyncio.run(one_operation())
