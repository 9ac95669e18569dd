"""Several dispatch observers as one: the first given is the outermost."""

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from app.application.ports.dispatch_observer import DispatchObserver


class ObserverChain:
    def __init__(self, observers: Sequence[DispatchObserver]) -> None:
        self._observers = tuple(observers)

    @contextmanager
    def dispatching(self, kind: str, message: object) -> Iterator[object]:
        with ExitStack() as stack:
            for observer in self._observers:
                stack.enter_context(observer.dispatching(kind, message))
            yield None


def observer_of(observers: Sequence[DispatchObserver]) -> DispatchObserver | None:
    """None when nothing watches (the bus then skips the wrapping), the one, or a chain."""
    if not observers:
        return None
    if len(observers) == 1:
        return observers[0]
    return ObserverChain(observers)
