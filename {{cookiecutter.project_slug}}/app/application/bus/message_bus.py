"""Routes a message to its one handler and injects the handler's dependencies.

Handlers are plain async functions: the first parameter is the message, every
other parameter is named after a dependency the composition root provides
(`uow`, `hasher`, `tokens`, `clock`, `reader`, ...). Providers are called per
dispatch, so a provider may hand out a fresh unit of work each time.
"""

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, Self, TypeVar

from app.application.bus.errors import (
    DuplicateHandlerError,
    HandlerNotFoundError,
    MissingDependencyError,
)

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


def discover_handlers(package: str, kind: str) -> dict[type, Handler]:
    """Import every module under `package` and collect the marked handlers."""
    root = importlib.import_module(package)
    found: dict[type, Handler] = {}
    for module_info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        module = importlib.import_module(module_info.name)
        for candidate in vars(module).values():
            mark = getattr(candidate, _MARK, None)
            if mark is None or mark[0] != kind or candidate.__module__ != module.__name__:
                continue
            message_type = mark[1]
            if message_type in found:
                raise DuplicateHandlerError(
                    f"{message_type.__name__} has two handlers: "
                    f"{found[message_type].__qualname__} and {candidate.__qualname__}"
                )
            found[message_type] = candidate
    return found


class MessageBus:
    kind: ClassVar[str]

    def __init__(self, handlers: Mapping[type, Handler], providers: Mapping[str, Provider]) -> None:
        self._providers = dict(providers)
        self._routes = {
            message_type: (handler, self._dependency_names(handler))
            for message_type, handler in handlers.items()
        }

    @classmethod
    def discover(cls, package: str, providers: Mapping[str, Provider]) -> Self:
        return cls(discover_handlers(package, cls.kind), providers)

    @property
    def message_types(self) -> frozenset[type]:
        return frozenset(self._routes)

    async def _dispatch(self, message: object) -> Any:
        route = self._routes.get(type(message))
        if route is None:
            raise HandlerNotFoundError(f"No {self.kind} handler for {type(message).__name__}")
        handler, names = route
        return await handler(message, **{name: self._providers[name]() for name in names})

    def _dependency_names(self, handler: Handler) -> tuple[str, ...]:
        names = tuple(inspect.signature(handler).parameters)[1:]
        missing = [name for name in names if name not in self._providers]
        if missing:
            raise MissingDependencyError(
                f"{handler.__qualname__} needs {', '.join(missing)}; "
                f"available: {', '.join(sorted(self._providers))}"
            )
        return names
