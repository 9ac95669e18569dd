"""Processed-event marks on the real database: what makes a second delivery change nothing."""

import asyncio
{%- if cookiecutter.db_driver == "postgresql" %}
import contextlib
{%- endif %}
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from app.application.bus.event_bus import EventBus
from app.application.events.handled_once import EventAlreadyHandledError, HandledOnceUnitOfWork
from app.domain.events.user_registered import UserRegistered
from app.infrastructure.clock import SystemClock
from app.infrastructure.db.repositories.sql_processed_event_log import SqlProcessedEventLog
from app.infrastructure.db.unit_of_work import SqlUnitOfWork

from .builders import store_user

NOW = datetime(2030, 6, 1, tzinfo=UTC)
SUBSCRIBER = "some_module.some_subscriber"
# Generous bounds on waits for another connection: they only guard against a hang.
LOCK_WAIT_DEADLINE_SECONDS = 10.0
SUBSCRIBER_TIMEOUT_SECONDS = 10.0


async def test_a_mark_is_recorded_once(uow: SqlUnitOfWork) -> None:
    event_id = uuid.uuid4()
    async with uow:
        assert not await uow.processed_events.contains(event_id, SUBSCRIBER)
        assert await uow.processed_events.record(event_id, SUBSCRIBER, NOW)
        assert await uow.processed_events.contains(event_id, SUBSCRIBER)

    async with uow:
        assert not await uow.processed_events.record(event_id, SUBSCRIBER, NOW)
        # Per subscriber: another one of the same event has its own mark to make.
        assert await uow.processed_events.record(event_id, "other.subscriber", NOW)
        assert not await uow.processed_events.contains(uuid.uuid4(), SUBSCRIBER)


async def test_a_mark_rolled_back_with_its_transaction_was_never_made(uow: SqlUnitOfWork) -> None:
    event_id = uuid.uuid4()

    async def mark_then_fail() -> None:
        async with uow:
            assert await uow.processed_events.record(event_id, SUBSCRIBER, NOW)
            raise RuntimeError("the subscriber's effect failed")

    with pytest.raises(RuntimeError):
        await mark_then_fail()

    async with uow:
        assert not await uow.processed_events.contains(event_id, SUBSCRIBER)
        assert await uow.processed_events.record(event_id, SUBSCRIBER, NOW)


async def _activity(engine: Any) -> list[tuple[str, str]]:
    rows = await engine.fetch_all(
        "SELECT activity, event_id FROM account_activity ORDER BY id",
    )
    return [(row["activity"], str(row["event_id"])) for row in rows]


async def test_the_subscribers_effect_and_its_mark_commit_together(engine: Any) -> None:
    user = await store_user(engine)
    event_id = uuid.uuid4()

    def delivery() -> HandledOnceUnitOfWork:
        return HandledOnceUnitOfWork(
            SqlUnitOfWork(engine),
            event_id=event_id,
            subscriber=SUBSCRIBER,
            clock=SystemClock(),
            marks=SqlProcessedEventLog(engine),
        )

    async def record_activity(uow: HandledOnceUnitOfWork, fail: bool) -> None:
        async with uow:
            await uow.account_activity.add(
                user_id=user.id_.value, activity="seen", event_id=event_id, occurred_at=NOW
            )
            if fail:
                raise RuntimeError("after the insert")

    with pytest.raises(RuntimeError):
        await record_activity(delivery(), fail=True)
    assert await _activity(engine) == []
    assert not await delivery().handled_before()

    await record_activity(delivery(), fail=False)
    assert await delivery().handled_before()
    with pytest.raises(EventAlreadyHandledError):
        await record_activity(delivery(), fail=False)

    assert await _activity(engine) == [("seen", str(event_id))]


def _bus(engine: Any) -> EventBus:
    return EventBus.discover(
        "app.application.subscribers",
        {},
        lambda event_id, subscriber: HandledOnceUnitOfWork(
            SqlUnitOfWork(engine),
            event_id=event_id,
            subscriber=subscriber,
            clock=SystemClock(),
            marks=SqlProcessedEventLog(engine),
        ),
        timeout_seconds=SUBSCRIBER_TIMEOUT_SECONDS,
    )


async def test_deliveries_of_one_event_at_once_record_its_activity_once(
    engine: Any, other_engine: Any
) -> None:
    """Two relays, or a relay and a stream consumer, that both got the event."""
    user = await store_user(engine)
    event = UserRegistered(
        aggregate_id=user.id_.value, occurred_at=NOW, email=user.email.value, role="user"
    )
    await asyncio.gather(*(_bus(each).publish(event) for each in (engine, other_engine) * 3))

    assert await _activity(engine) == [("registered", str(event.event_id))]
{%- if cookiecutter.db_driver == "postgresql" %}


async def _waiting_for_a_lock(engine: Any) -> int:
    count: int = await engine.fetch_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return count


async def _until_waiting(engine: Any, task: "asyncio.Task[bool]") -> None:
    async def poll() -> None:
        while not await _waiting_for_a_lock(engine):
            assert not task.done(), "the second transaction did not wait for the first"
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), LOCK_WAIT_DEADLINE_SECONDS)


@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
async def test_a_concurrent_mark_waits_for_the_first_transactions_outcome(
    engine: Any, other_engine: Any, first_commits: bool
) -> None:
    event_id = uuid.uuid4()

    async def second_transaction() -> bool:
        async with SqlUnitOfWork(other_engine) as uow:
            return await uow.processed_events.record(event_id, SUBSCRIBER, NOW)

    outcome = contextlib.nullcontext() if first_commits else pytest.raises(RuntimeError)
    with outcome:
        async with SqlUnitOfWork(engine) as first:
            assert await first.processed_events.record(event_id, SUBSCRIBER, NOW)
            second = asyncio.create_task(second_transaction())
            await _until_waiting(engine, second)
            if not first_commits:
                raise RuntimeError("the first subscriber failed")

    # After a commit the second finds the mark; after a rollback it makes it.
    assert await asyncio.wait_for(second, LOCK_WAIT_DEADLINE_SECONDS) is not first_commits
{%- endif %}
