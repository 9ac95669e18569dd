"""Reading events a broker holds and handing them to this service's subscribers."""

from typing import Protocol


class EventConsumer(Protocol):
    async def consume_batch(self) -> int:
        """Handle what is waiting (a dead consumer's events first); how many were handled.

        An event is acknowledged only once every subscriber handled it; one that
        failed stays with the broker and is delivered again.
        """
        ...
