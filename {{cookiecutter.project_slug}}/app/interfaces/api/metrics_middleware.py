"""Times every HTTP request and hands method, route template and status to a recorder.

Installed only when METRICS_PORT is set, as the outermost middleware: what it
records is what the client got, RequestMiddleware's own 413s and 500s included.
The route is the matched route's template (`/api/v1/users/{user_id}`), read once
the app has handled the request; a path no route matched is UNMATCHED and a
method no route has is OTHER_METHOD, so no client can add label values at will.

A request is recorded just before its last body message goes out, so whoever has
the whole answer (a test, a client that then scrapes) finds it counted.
"""

import time
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
OTHER_METHOD = "other"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestRecorder(Protocol):
    def record(self, method: str, route: str, status: int, seconds: float) -> None: ...


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, recorder: RequestRecorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: the server then answers 500 itself
        recorded = False

        def record() -> None:
            nonlocal recorded
            recorded = True
            method = scope["method"]
            route = scope.get("route")
            self.recorder.record(
                method if method in KNOWN_METHODS else OTHER_METHOD,
                # The template as documented: /{user_id}, not the /{user_id:not_me} it matches by.
                UNMATCHED if route is None else route.path_format,
                status,
                time.perf_counter() - started,
            )

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                record()
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            # No last body message: the app raised, or the client went away mid-answer.
            if not recorded:
                record()
