"""Routes a message to its one handler and injects the handler's dependencies.

Handlers are plain async functions: the first parameter is the message, every
other parameter is named after a dependency the composition root provides
(`uow`, `hasher`, `tokens`, `clock`, `reader`, ...). Providers are called per
dispatch, so a provider may hand out a fresh unit of work each time.
"""

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, ClassVar, Self, TypeVar

from app.application.bus.errors import (
    DuplicateHandlerError,
    HandlerNotFoundError,
    MissingDependencyError,
)
from app.application.ports.dispatch_observer import DispatchObserver

Handler = Callable[..., Awaitable[Any]]
Provider = Callable[[], object]
HandlerT = TypeVar("HandlerT", bound=Handler)

_MARK = "__bus_message__"


def mark_handler(kind: str, message_type: type) -> Callable[[HandlerT], HandlerT]:
    """Tag a function as the handler of `message_type`; the bus finds it later."""

    def decorate(handler: HandlerT) -> HandlerT:
        setattr(handler, _MARK, (kind, message_type))
        return handler

    return decorate


def marked_functions(package: str, kind: str) -> Iterator[tuple[type, Handler]]:
    """Import every module under `package`; yield each function marked for `kind`."""
    root = importlib.import_module(package)
    for module_info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        module = importlib.import_module(module_info.name)
        for candidate in vars(module).values():
            mark = getattr(candidate, _MARK, None)
            if mark is None or mark[0] != kind or candidate.__module__ != module.__name__:
                continue
            yield mark[1], candidate


def discover_handlers(package: str, kind: str) -> dict[type, Handler]:
    """The one handler of each message type marked under `package`."""
    found: dict[type, Handler] = {}
    for message_type, candidate in marked_functions(package, kind):
        if message_type in found:
            raise DuplicateHandlerError(
                f"{message_type.__name__} has two handlers: "
                f"{found[message_type].__qualname__} and {candidate.__qualname__}"
            )
        found[message_type] = candidate
    return found


def dependency_names(handler: Handler, providers: Mapping[str, Provider]) -> tuple[str, ...]:
    """The providers `handler` asks for by name, after its message; missing ones refused."""
    names = tuple(inspect.signature(handler).parameters)[1:]
    missing = [name for name in names if name not in providers]
    if missing:
        raise MissingDependencyError(
            f"{handler.__qualname__} needs {', '.join(missing)}; "
            f"available: {', '.join(sorted(providers))}"
        )
    return names


class MessageBus:
    kind: ClassVar[str]

    def __init__(
        self,
        handlers: Mapping[type, Handler],
        providers: Mapping[str, Provider],
        observer: DispatchObserver | None = None,
    ) -> None:
        self._providers = dict(providers)
        self._observer = observer
        self._routes = {
            message_type: (handler, dependency_names(handler, self._providers))
            for message_type, handler in handlers.items()
        }

    @classmethod
    def discover(
        cls,
        package: str,
        providers: Mapping[str, Provider],
        observer: DispatchObserver | None = None,
    ) -> Self:
        return cls(discover_handlers(package, cls.kind), providers, observer)

    @property
    def message_types(self) -> frozenset[type]:
        return frozenset(self._routes)

    async def _dispatch(self, message: object) -> Any:
        route = self._routes.get(type(message))
        if route is None:
            raise HandlerNotFoundError(f"No {self.kind} handler for {type(message).__name__}")
        handler, names = route
        dependencies = {name: self._providers[name]() for name in names}
        if self._observer is None:
            return await handler(message, **dependencies)
        with self._observer.dispatching(self.kind, message):
            return await handler(message, **dependencies)
