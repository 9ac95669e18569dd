"""One event-loop timer for all of an engine's deadlines, instead of one each.

Setting a loop timer and cancelling it again costs about a tenth of an authenticated
read (uvloop), and nearly every operation ends long before its deadline. An engine's
deadlines all have the same length, so they expire in the order they started: they
wait in a queue, and the one timer is set for the oldest that is still open. An
operation that ends only marks its deadline closed; closed deadlines leave the queue
when they reach its head.
"""

import asyncio
from collections import deque

from app.infrastructure.db.deadline import Abandon, Deadline

# A loop may run a timer up to its clock's resolution early (uvloop counts milliseconds).
_EARLY = 0.001


class DeadlineTimer:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._queue: deque[Deadline] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None

    def start(self, abandon: Abandon) -> Deadline:
        """A deadline `seconds` from now for one operation; close() it when the operation ends."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # Another loop (tests, a CLI command): the old loop's operations are over.
            self._loop, self._timer = loop, None
            self._queue.clear()
        deadline = Deadline(self.seconds, abandon, expires_at=loop.time() + self.seconds)
        queue = self._queue
        while queue and queue[0].closed:
            queue.popleft()
        queue.append(deadline)
        if self._timer is None:
            self._timer = loop.call_at(queue[0].expires_at, self._fire)
        return deadline

    def _fire(self) -> None:
        assert self._loop is not None
        self._timer = None
        now = self._loop.time() + _EARLY
        queue = self._queue
        while queue and (queue[0].closed or queue[0].expires_at <= now):
            deadline = queue.popleft()
            if not deadline.closed:
                deadline.expire()
        if queue:
            self._timer = self._loop.call_at(queue[0].expires_at, self._fire)
