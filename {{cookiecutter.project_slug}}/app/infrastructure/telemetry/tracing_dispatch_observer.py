"""A span per bus dispatch, named after the command or query ("GetUserQuery")."""

from contextlib import AbstractContextManager

from opentelemetry.trace import Tracer


class TracingDispatchObserver:
    """Satisfies app.application.ports.dispatch_observer.DispatchObserver."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def dispatching(self, kind: str, message: object) -> AbstractContextManager[object]:
        # The span records a handler's exception and marks itself failed, then lets it go.
        return self._tracer.start_as_current_span(
            type(message).__name__, attributes={"bus.kind": kind}
        )
