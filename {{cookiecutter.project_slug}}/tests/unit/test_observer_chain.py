"""The buses' observers: none, one as it is, or several nested in the order given."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.application.bus.command_bus import CommandBus
from app.application.bus.observer_chain import observer_of
from app.application.bus.query_bus import QueryBus

from .test_buses import COUNT_HANDLER, make_package, message


class Recorder:
    def __init__(self, name: str, journal: list[str]) -> None:
        self.name, self.journal = name, journal

    @contextmanager
    def dispatching(self, kind: str, message: object) -> Iterator[object]:
        self.journal.append(f"{self.name} enters {kind} {type(message).__name__}")
        try:
            yield None
        except Exception as error:
            self.journal.append(f"{self.name} saw {error}")
            raise
        finally:
            self.journal.append(f"{self.name} leaves")


def test_no_observer_is_none_and_one_is_itself() -> None:
    only = Recorder("only", [])

    assert observer_of([]) is None
    assert observer_of([only]) is only


def test_several_observers_nest_the_first_outermost_and_all_see_a_failure() -> None:
    journal: list[str] = []
    chain = observer_of([Recorder("outer", journal), Recorder("inner", journal)])
    assert chain is not None

    def handler() -> None:
        with chain.dispatching("command", 1):
            journal.append("handler")
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        handler()

    assert journal == [
        "outer enters command int",
        "inner enters command int",
        "handler",
        "inner saw boom",
        "inner leaves",
        "outer saw boom",
        "outer leaves",
    ]


@pytest.mark.parametrize(("bus", "kind"), [(CommandBus, "command"), (QueryBus, "query")])
async def test_each_bus_tells_its_observer_its_kind(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bus: type[CommandBus] | type[QueryBus],
    kind: str,
) -> None:
    package = make_package(tmp_path, monkeypatch, count=COUNT_HANDLER)
    journal: list[str] = []
    observed = bus.discover(f"{package}.handlers", {"counter": object}, Recorder("o", journal))

    await observed.dispatch(message(package, "Count"))

    assert journal == [f"o enters {kind} Count", "o leaves"]
