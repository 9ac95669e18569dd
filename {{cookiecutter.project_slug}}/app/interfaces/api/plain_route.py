"""A route for an endpoint that takes the request and returns its Response itself.

FastAPI documents it from its declared response_model like any other route, but on each
request skips what has nothing to do there: resolving dependencies (it has none) and
validating and serialising the return value (it is already the response). For /health,
which probes hit several times a second, that is a third of its cost.
"""

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class PlainRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if list(inspect.signature(endpoint).parameters) != ["request"]:
            raise TypeError(f"{endpoint.__qualname__} must take exactly one parameter, request")
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return handler
