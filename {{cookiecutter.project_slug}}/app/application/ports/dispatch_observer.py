"""Who watches the buses: tracing and metrics see each dispatch without the bus knowing them.

An observer wraps one handler call in a context manager; a handler's exception passes
through it (so it can record the failure) and is raised again unchanged.
"""

from contextlib import AbstractContextManager
from typing import Protocol


class DispatchObserver(Protocol):
    def dispatching(self, kind: str, message: object) -> AbstractContextManager[object]:
        """Entered before the handler runs, left once it returned or raised."""
        ...
