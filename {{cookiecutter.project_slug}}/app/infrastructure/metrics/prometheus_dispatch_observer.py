"""Times each command and query handler call, by message type (a DispatchObserver)."""

import time
from contextlib import AbstractContextManager
from types import TracebackType

from app.infrastructure.metrics.service_metrics import BUS_HANDLER_SECONDS


class PrometheusDispatchObserver:
    def dispatching(self, kind: str, message: object) -> AbstractContextManager[object]:
        return _Timing(kind, type(message).__name__)


class _Timing(AbstractContextManager[object]):
    __slots__ = ("_kind", "_message_type", "_started")

    def __init__(self, kind: str, message_type: str) -> None:
        self._kind = kind
        self._message_type = message_type
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        outcome = "ok" if exc_type is None else "error"
        BUS_HANDLER_SECONDS.labels(self._kind, self._message_type, outcome).observe(
            time.perf_counter() - self._started
        )
