import asyncio
from typing import Protocol


class RequestCycle(Protocol):
    """What the server layer reads and sets on a request of either uvicorn protocol
    (both have a RequestResponseCycle class of their own, with these attributes)."""

    more_body: bool
    response_started: bool
    response_complete: bool
    disconnected: bool
    message_event: asyncio.Event


def response_owed(cycle: RequestCycle | None) -> bool:
    """True while the app writes a response, or has its whole request and owes one."""
    if cycle is None or cycle.response_complete:
        return False
    return cycle.response_started or not cycle.more_body


def silence(cycle: RequestCycle | None) -> None:
    """End a request the server layer answers itself: the app reads a disconnect, and
    whatever it sends is dropped instead of following that answer on the wire."""
    if cycle is not None and not cycle.response_complete:
        cycle.disconnected = True
        cycle.message_event.set()
