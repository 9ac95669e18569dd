"""The Allow header of a 405: every method the path serves, not just one route's.

Starlette answers 405 from the first route whose path matched, so a path served by
two routes (GET /health and HEAD /health) would advertise only one of them.
"""

from collections.abc import Iterable

from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope


class AllowedMethods:
    """Which methods the app's routes serve, path by path."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._routes = [route for route in routes if isinstance(route, Route) and route.methods]

    def header(self, scope: Scope) -> str:
        """The Allow header value for the request `scope`."""
        methods: set[str] = set()
        for route in self._routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                methods |= route.methods or set()
        return ", ".join(sorted(methods))
