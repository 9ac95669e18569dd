"""The event bus over the fake unit of work: discovery, injection, failures, handled once."""

import asyncio
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.application.bus.errors import MissingDependencyError
from app.application.bus.event_bus import EventBus, EventNotHandledError, SubscriberTimeoutError
from app.application.events.event_serialization import UnknownEventError, to_record
from app.application.events.handled_once import HandledOnceUnitOfWork, SubscriberReenteredError
from app.application.events.local_event_publisher import LocalEventPublisher
from app.application.ports.event_publisher import EventRefusedError
from app.domain.events.domain_event import DomainEvent
from app.domain.events.user_password_changed import UserPasswordChanged
from app.domain.events.user_registered import UserRegistered

from .fakes import FixedClock, InMemoryProcessedEventLog, InMemoryUnitOfWork

TIMEOUT_SECONDS = 10.0
# A subscriber that hangs is cancelled after this: short, so the tests that wait for it
# do not take long.
SHORT_TIMEOUT_SECONDS = 0.05
# Only a bus that never gives up on a hung subscriber gets anywhere near it.
HANG_DEADLINE_SECONDS = 30.0

EVENTS = """
from dataclasses import dataclass

from app.domain.events.domain_event import DomainEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class Happened(DomainEvent):
    pass


@dataclass(frozen=True, kw_only=True, slots=True)
class Unrelated(DomainEvent):
    pass
"""

# What a subscriber's effect is, in the fake's activity log: one row per run that committed.
HEADER = """
import asyncio

from app.application.bus.event_bus import event_handler
from {package}.events import Happened, Unrelated


async def write(uow, event, activity):
    await uow.account_activity.add(
        user_id=event.aggregate_id,
        activity=activity,
        event_id=event.event_id,
        occurred_at=event.occurred_at,
    )
"""

SUBSCRIBERS = {
    "writes": """
@event_handler(Happened)
async def record_it(event, uow, journal):
    journal.append("writes.record_it")
    async with uow:
        await write(uow, event, "recorded")
""",
    "notifies": """
@event_handler(Happened)
async def notify(event, journal):
    # Its effect is outside the database: it never opens a unit of work.
    journal.append("notifies.notify")
""",
    "fails": """
@event_handler(Happened)
async def flaky(event, uow, journal, failures):
    journal.append("fails.flaky")
    async with uow:
        await write(uow, event, "flaky")
        if failures:
            raise RuntimeError(failures.pop())
""",
    "fails_outside": """
@event_handler(Happened)
async def flaky_notice(event, journal, failures):
    journal.append("fails_outside.flaky_notice")
    if failures:
        raise RuntimeError(failures.pop())
""",
    "never_opens": """
@event_handler(Happened)
async def glance(event, uow, journal):
    journal.append("never_opens.glance")
""",
    "reenters": """
@event_handler(Happened)
async def twice(event, uow, journal):
    journal.append("reenters.twice")
    async with uow:
        await write(uow, event, "first block")
    async with uow:
        await write(uow, event, "second block")
""",
    "nested__late": """
@event_handler(Happened)
async def late(event, uow, journal):
    journal.append("nested.late.late")
    async with uow:
        await write(uow, event, "late")


@event_handler(Unrelated)
async def other(event, journal):
    journal.append("nested.late.other")
""",
    "hangs": """
@event_handler(Happened)
async def stuck(event, uow, journal):
    journal.append("hangs.stuck")
    async with uow:
        await write(uow, event, "stuck")
        await asyncio.Event().wait()  # a remote call that never answers
""",
    "times_out_itself": """
@event_handler(Happened)
async def remote(event, journal):
    journal.append("times_out_itself.remote")
    raise TimeoutError("the mail server did not answer")
""",
    "needs_mailer": """
@event_handler(Happened)
async def mail(event, mailer):
    pass
""",
}


class World:
    """A package of subscribers and an event bus over one fake unit of work."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
        self.package = f"event_bus_fixture_{uuid.uuid4().hex}"
        root = tmp_path / self.package
        (root / "subscribers" / "nested").mkdir(parents=True)
        for init in (root, root / "subscribers", root / "subscribers" / "nested"):
            (init / "__init__.py").write_text("")
        (root / "events.py").write_text(EVENTS)
        for name in modules:
            source = HEADER.format(package=self.package) + SUBSCRIBERS[name]
            path = root / "subscribers" / f"{name.replace('__', '/')}.py"
            path.write_text(textwrap.dedent(source))
        monkeypatch.syspath_prepend(str(tmp_path))
        self.uow = InMemoryUnitOfWork()
        self.clock = FixedClock()
        self.journal: list[str] = []
        self.failures: list[str] = []
        self.provided: list[str] = []

    def providers(self) -> dict[str, Callable[[], object]]:
        def journal() -> list[str]:
            self.provided.append("journal")
            return self.journal

        return {"journal": journal, "failures": lambda: self.failures}

    def bus(self, timeout_seconds: float = TIMEOUT_SECONDS) -> EventBus:
        return EventBus.discover(
            f"{self.package}.subscribers",
            self.providers(),
            self.handled_once,
            timeout_seconds=timeout_seconds,
        )

    def handled_once(self, event_id: uuid.UUID, subscriber: str) -> HandledOnceUnitOfWork:
        return HandledOnceUnitOfWork(
            self.uow,
            event_id=event_id,
            subscriber=subscriber,
            clock=self.clock,
            marks=self.uow.committed_marks(),
        )

    def event(self, name: str = "Happened") -> Any:
        module = __import__(f"{self.package}.events", fromlist=[name])
        return getattr(module, name)(aggregate_id=uuid.uuid4(), occurred_at=self.clock.now())

    def effects(self) -> list[str]:
        return [row["activity"] for row in self.uow.stored_activity()]

    def marked(self, event: DomainEvent) -> set[str]:
        return {name for event_id, name in self.uow.processed_marks() if event_id == event.event_id}


def test_discovery_finds_every_subscriber_of_an_event_including_nested_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "writes", "notifies", "nested__late")
    bus = world.bus()

    assert set(bus.subscribers_of(type(world.event()))) == {
        "writes.record_it",
        "notifies.notify",
        "nested.late.late",
    }
    assert bus.subscribers_of(type(world.event("Unrelated"))) == ("nested.late.other",)
    assert bus.subscribers_of(UserRegistered) == ()


def test_a_missing_dependency_is_refused_when_the_bus_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "writes", "needs_mailer")

    with pytest.raises(MissingDependencyError, match="mailer"):
        world.bus()


def test_the_refusal_names_every_missing_dependency_and_every_one_there_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "fails")

    with pytest.raises(MissingDependencyError) as caught:
        EventBus.discover(f"{world.package}.subscribers", {}, world.handled_once, timeout_seconds=1)

    assert str(caught.value) == "flaky needs journal, failures; available: uow"


async def test_each_subscriber_gets_its_dependencies_by_name_at_each_delivery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "writes", "notifies")
    bus = world.bus()
    assert world.provided == [], "providers are called per delivery, not when the bus is built"

    await bus.publish(world.event())
    await bus.publish(world.event())

    assert sorted(world.journal) == sorted(["writes.record_it", "notifies.notify"] * 2)
    assert world.provided == ["journal"] * 4
    assert world.effects() == ["recorded", "recorded"]


async def test_a_subscriber_gets_only_the_events_of_its_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "writes", "nested__late")

    await world.bus().publish(world.event("Unrelated"))

    assert world.journal == ["nested.late.other"]
    assert world.effects() == []


async def test_one_failing_subscriber_does_not_keep_the_others_from_the_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "fails", "writes", "notifies", "nested__late")
    world.failures.append("disk full")
    event = world.event()

    with pytest.raises(EventNotHandledError) as caught:
        await world.bus().publish(event)

    assert set(caught.value.failures) == {"fails.flaky"}
    assert str(caught.value.failures["fails.flaky"]) == "disk full"
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert "fails.flaky" in str(caught.value)
    assert set(world.journal) == {
        "fails.flaky",
        "writes.record_it",
        "notifies.notify",
        "nested.late.late",
    }
    # The failed block rolled back with its mark; the others committed with theirs.
    assert sorted(world.effects()) == ["late", "recorded"]
    assert world.marked(event) == {"writes.record_it", "notifies.notify", "nested.late.late"}


async def test_a_redelivery_runs_only_the_subscribers_that_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "fails", "fails_outside", "writes", "notifies")
    world.failures.extend(["first", "second"])
    bus = world.bus()
    event = world.event()
    with pytest.raises(EventNotHandledError) as caught:
        await bus.publish(event)
    assert set(caught.value.failures) == {"fails.flaky", "fails_outside.flaky_notice"}
    world.journal.clear()

    await bus.publish(event)

    assert sorted(world.journal) == ["fails.flaky", "fails_outside.flaky_notice"]
    assert sorted(world.effects()) == ["flaky", "recorded"]
    assert world.marked(event) == {
        "fails.flaky",
        "fails_outside.flaky_notice",
        "writes.record_it",
        "notifies.notify",
    }


async def test_a_redelivery_of_a_handled_event_runs_nothing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "writes", "notifies", "never_opens", "nested__late")
    bus = world.bus()
    event = world.event()
    await bus.publish(event)
    first_run = sorted(world.journal)
    world.journal.clear()

    await bus.publish(event)
    await bus.publish(event)

    assert first_run == [
        "nested.late.late",
        "never_opens.glance",
        "notifies.notify",
        "writes.record_it",
    ]
    assert world.journal == []
    assert sorted(world.effects()) == ["late", "recorded"]


async def test_a_subscriber_that_never_opens_its_unit_of_work_is_marked_once_it_returned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "never_opens", "notifies")
    event = world.event()

    await world.bus().publish(event)

    assert world.marked(event) == {"never_opens.glance", "notifies.notify"}
    assert world.effects() == []


async def test_a_subscriber_that_failed_outside_the_database_is_not_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "fails_outside")
    world.failures.append("mail server down")
    event = world.event()

    with pytest.raises(EventNotHandledError):
        await world.bus().publish(event)

    assert world.marked(event) == set()


async def test_a_subscriber_that_opens_its_unit_of_work_twice_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "reenters", "writes")
    event = world.event()

    with pytest.raises(EventNotHandledError) as caught:
        await world.bus().publish(event)

    assert set(caught.value.failures) == {"reenters.twice"}
    reentered = caught.value.failures["reenters.twice"]
    assert isinstance(reentered, SubscriberReenteredError)
    assert str(reentered) == (
        "reenters.twice opened its unit of work twice: a subscriber's effect "
        "is one transaction, marked handled with it"
    )
    # The second block never ran: it would not have been once.
    assert "second block" not in world.effects()


async def test_a_subscriber_that_hangs_is_cancelled_and_has_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "hangs", "writes")
    bus = world.bus(timeout_seconds=SHORT_TIMEOUT_SECONDS)
    event = world.event()

    with pytest.raises(EventNotHandledError) as caught:
        await asyncio.wait_for(bus.publish(event), HANG_DEADLINE_SECONDS)

    assert set(caught.value.failures) == {"hangs.stuck"}
    failure = caught.value.failures["hangs.stuck"]
    assert isinstance(failure, SubscriberTimeoutError)
    assert str(failure) == "hangs.stuck did not finish within 0.05 s"
    # Cancelled inside its unit of work: rolled back, and not marked, so it is retried.
    assert world.effects() == ["recorded"]
    assert world.marked(event) == {"writes.record_it"}
    world.journal.clear()
    with pytest.raises(EventNotHandledError):
        await asyncio.wait_for(bus.publish(event), HANG_DEADLINE_SECONDS)
    assert world.journal == ["hangs.stuck"]


async def test_a_timeout_of_the_subscribers_own_is_its_failure_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "times_out_itself")

    with pytest.raises(EventNotHandledError) as caught:
        await world.bus().publish(world.event())

    failure = caught.value.failures["times_out_itself.remote"]
    assert type(failure) is TimeoutError
    assert str(failure) == "the mail server did not answer"


async def test_the_local_publisher_reports_the_event_a_subscriber_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "fails", "writes")
    happened = type(world.event())
    publisher = LocalEventPublisher(world.bus(), {"Happened": happened})
    records = [to_record(world.event()) for _ in range(3)]

    async def publish_failing_at_the_second() -> None:
        await publisher.publish(records[:1])
        world.failures.append("the second one fails")
        await publisher.publish(records[1:])

    with pytest.raises(EventRefusedError) as caught:
        await publish_failing_at_the_second()

    assert caught.value.published == 0
    assert isinstance(caught.value.__cause__, EventNotHandledError)
    # Both subscribers got the first two events; the third was not delivered.
    assert sorted(world.journal) == sorted(["fails.flaky", "writes.record_it"] * 2)


async def test_the_local_publisher_refuses_an_event_type_it_does_not_know(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "writes")
    publisher = LocalEventPublisher(world.bus(), {})

    with pytest.raises(EventRefusedError) as caught:
        await publisher.publish([to_record(world.event())])

    assert isinstance(caught.value.__cause__, UnknownEventError)
    assert world.journal == []


async def test_the_shipped_subscribers_keep_an_accounts_history_once(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    bus = EventBus.discover(
        "app.application.subscribers",
        {},
        lambda event_id, subscriber: HandledOnceUnitOfWork(
            uow,
            event_id=event_id,
            subscriber=subscriber,
            clock=clock,
            marks=uow.committed_marks(),
        ),
        timeout_seconds=TIMEOUT_SECONDS,
    )
    user_id = uuid.uuid4()
    registered = UserRegistered(
        aggregate_id=user_id, occurred_at=clock.now(), email="a@example.com", role="user"
    )
    changed = UserPasswordChanged(aggregate_id=user_id, occurred_at=clock.now())

    for event in (registered, changed, registered, changed):
        await bus.publish(event)

    assert uow.stored_activity() == [
        {
            "user_id": user_id,
            "activity": "registered",
            "event_id": registered.event_id,
            "occurred_at": registered.occurred_at,
        },
        {
            "user_id": user_id,
            "activity": "password_changed",
            "event_id": changed.event_id,
            "occurred_at": changed.occurred_at,
        },
    ]


async def test_an_event_no_one_subscribes_to_is_published_to_no_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "writes")

    await world.bus().publish(world.event("Unrelated"))

    assert (world.journal, world.effects()) == ([], [])


async def test_the_error_of_an_unhandled_event_names_the_event_and_each_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "fails", "fails_outside")
    world.failures.extend(["disk full", "disk full"])
    event = world.event()

    with pytest.raises(EventNotHandledError) as caught:
        await world.bus().publish(event)

    assert str(caught.value) == (
        f"Happened {event.event_id} failed in fails.flaky: RuntimeError; "
        "fails_outside.flaky_notice: RuntimeError"
    )


async def test_the_local_publisher_keeps_nothing_to_purge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(tmp_path, monkeypatch, "writes")
    publisher = LocalEventPublisher(world.bus(), {"Happened": type(world.event())})
    await publisher.publish([to_record(world.event())])

    assert await publisher.purge(world.clock.now()) == 0


async def test_a_mark_whose_recording_failed_midway_is_rolled_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The INSERT ran, then the connection dropped (or a deadline cancelled the wait):
    committing that mark would skip the subscriber's effect for good."""
    uow, clock = InMemoryUnitOfWork(), FixedClock()
    record = InMemoryProcessedEventLog.record

    async def record_then_fail(self: InMemoryProcessedEventLog, *args: Any) -> bool:
        await record(self, *args)
        raise ConnectionResetError("connection lost after the insert")

    monkeypatch.setattr(InMemoryProcessedEventLog, "record", record_then_fail)
    handled_once = HandledOnceUnitOfWork(
        uow, event_id=uuid.uuid4(), subscriber="s", clock=clock, marks=uow.committed_marks()
    )

    with pytest.raises(ConnectionResetError):
        await handled_once.__aenter__()

    assert (uow.processed_marks(), uow.rollbacks, uow.commits) == (set(), 1, 0)
