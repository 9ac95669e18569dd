"""Command and query buses: discovery, wiring checks and dispatch."""

import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.application.bus.command_bus import CommandBus
from app.application.bus.errors import (
    DuplicateHandlerError,
    HandlerNotFoundError,
    MissingDependencyError,
)
from app.application.bus.query_bus import QueryBus

MESSAGES = """
from dataclasses import dataclass


@dataclass(frozen=True)
class Ping:
    text: str


@dataclass(frozen=True)
class Count:
    pass


@dataclass(frozen=True)
class Unhandled:
    pass
"""

PING_HANDLER = """
from app.application.bus.command_bus import command_handler
from {package}.messages import Ping


@command_handler(Ping)
async def handle_ping(message: Ping, greeting: str) -> str:
    return greeting + " " + message.text
"""

COUNT_HANDLER = """
from app.application.bus.command_bus import command_handler
from app.application.bus.query_bus import query_handler
from {package}.messages import Count


@command_handler(Count)
async def handle_count(message: Count, counter: object) -> object:
    return counter


@query_handler(Count)
async def query_count(message: Count) -> str:
    return "query side"
"""

SECOND_PING_HANDLER = """
from app.application.bus.command_bus import command_handler
from {package}.messages import Ping


@command_handler(Ping)
async def handle_ping_again(message: Ping, greeting: str) -> str:
    return "second"
"""

IMPORTS_A_HANDLER = """
# Re-exporting another module's handler must not count as a second handler.
from {package}.handlers.ping import handle_ping  # noqa: F401
"""


def make_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **modules: str) -> str:
    """Write a package `<unique>/{messages, handlers/<name>}` and put it on sys.path."""
    package = f"bus_fixture_{uuid.uuid4().hex}"
    root = tmp_path / package
    (root / "handlers" / "nested").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "messages.py").write_text(MESSAGES)
    (root / "handlers" / "__init__.py").write_text("")
    (root / "handlers" / "nested" / "__init__.py").write_text("")
    for name, source in modules.items():
        path = root / "handlers" / f"{name.replace('__', '/')}.py"
        path.write_text(textwrap.dedent(source.format(package=package)))
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def message(package: str, name: str, *args: object) -> Any:
    module = __import__(f"{package}.messages", fromlist=[name])
    return getattr(module, name)(*args)


async def test_discovers_marked_handlers_including_nested_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(tmp_path, monkeypatch, ping=PING_HANDLER, nested__count=COUNT_HANDLER)
    bus = CommandBus.discover(
        f"{package}.handlers", {"greeting": lambda: "hello", "counter": object}
    )
    names = {message_type.__name__ for message_type in bus.message_types}
    assert names == {"Ping", "Count"}
    assert await bus.dispatch(message(package, "Ping", "world")) == "hello world"


async def test_a_bus_only_collects_handlers_of_its_own_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(tmp_path, monkeypatch, count=COUNT_HANDLER)
    bus = QueryBus.discover(f"{package}.handlers", {})
    assert {t.__name__ for t in bus.message_types} == {"Count"}
    assert await bus.dispatch(message(package, "Count")) == "query side"


def test_re_exported_handler_is_not_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(tmp_path, monkeypatch, ping=PING_HANDLER, reexport=IMPORTS_A_HANDLER)
    bus = CommandBus.discover(f"{package}.handlers", {"greeting": lambda: "hi"})
    assert {t.__name__ for t in bus.message_types} == {"Ping"}


def test_two_handlers_for_one_message_fail_at_construction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(tmp_path, monkeypatch, ping=PING_HANDLER, again=SECOND_PING_HANDLER)
    with pytest.raises(DuplicateHandlerError, match="Ping"):
        CommandBus.discover(f"{package}.handlers", {"greeting": lambda: "hi"})


def test_missing_dependency_fails_at_construction_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(tmp_path, monkeypatch, ping=PING_HANDLER)
    with pytest.raises(MissingDependencyError) as caught:
        CommandBus.discover(f"{package}.handlers", {"uow": object, "clock": object})

    assert str(caught.value) == "handle_ping needs greeting; available: clock, uow"


async def test_dispatching_an_unregistered_message_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(tmp_path, monkeypatch, ping=PING_HANDLER)
    bus = CommandBus.discover(f"{package}.handlers", {"greeting": lambda: "hi"})
    with pytest.raises(HandlerNotFoundError, match="Unhandled"):
        await bus.dispatch(message(package, "Unhandled"))


async def test_providers_are_called_on_every_dispatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(tmp_path, monkeypatch, count=COUNT_HANDLER)
    calls: list[object] = []

    def fresh_counter() -> object:
        calls.append(object())
        return calls[-1]

    bus = CommandBus.discover(f"{package}.handlers", {"counter": fresh_counter})
    assert calls == [], "providers are not called at construction"
    first = await bus.dispatch(message(package, "Count"))
    second = await bus.dispatch(message(package, "Count"))
    assert first is calls[0]
    assert second is calls[1]
    assert first is not second
