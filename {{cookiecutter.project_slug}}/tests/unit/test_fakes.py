"""The fakes keep the contracts the handlers rely on; if they lied, every handler test would too."""

import uuid
from datetime import timedelta

import pytest

from app.application.events.event_serialization import to_record
from app.application.ports.outbox import MarkedEvents
from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.errors import ConflictError
from app.domain.events.user_password_changed import UserPasswordChanged
from app.domain.value_objects.email import Email
from app.domain.value_objects.password import Password

from .fakes import EPOCH, FakePasswordHasher, FixedClock, InMemoryOutbox, InMemoryUnitOfWork
from .helpers import create_user


async def test_changes_inside_a_failed_block_are_discarded(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    user = await create_user(uow, hasher, clock)
    [entity] = uow.stored_users()

    async def write_then_fail() -> None:
        async with uow:
            await uow.refresh_tokens.add(
                RefreshTokenEntity.issue(
                    user_id=entity.id_,
                    family_id=None,
                    token_hash="h",
                    now=clock.now(),
                    expires_at=clock.now() + timedelta(days=1),
                )
            )
            entity.change_password_hash("changed", now=clock.now())
            await uow.users.update_password(entity)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await write_then_fail()
    assert uow.stored_tokens() == []
    [stored] = uow.stored_users()
    assert stored.id_.value == user.id
    assert stored.password_hash != "changed"


async def test_successful_block_commits(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    await create_user(uow, hasher, clock)
    assert uow.commits == 1
    assert len(uow.stored_users()) == 1


async def test_repositories_refuse_use_outside_a_block(uow: InMemoryUnitOfWork) -> None:
    with pytest.raises(RuntimeError, match="async with"):
        await uow.users.get_by_email(Email.parse("a@b.co"))


async def test_loaded_entities_are_copies(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    await create_user(uow, hasher, clock)
    async with uow:
        [loaded] = uow.stored_users()
        user = await uow.users.get(loaded.id_)
    assert user is not None
    user.change_password_hash("mutated in memory only", now=EPOCH)
    assert uow.stored_users()[0].password_hash != "mutated in memory only"


async def test_user_repository_refuses_a_duplicate_email(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    await create_user(uow, hasher, clock)
    with pytest.raises(ConflictError):
        await create_user(uow, hasher, clock, "ALICE@example.com")


async def test_mark_used_succeeds_once(
    uow: InMemoryUnitOfWork, clock: FixedClock, hasher: FakePasswordHasher
) -> None:
    user = await create_user(uow, hasher, clock)
    [entity] = uow.stored_users()
    token = RefreshTokenEntity.issue(
        user_id=entity.id_,
        family_id=None,
        token_hash="h",
        now=clock.now(),
        expires_at=clock.now() + timedelta(days=1),
    )
    async with uow:
        await uow.refresh_tokens.add(token)
        assert await uow.refresh_tokens.mark_used(token.id_, clock.now())
        assert not await uow.refresh_tokens.mark_used(token.id_, clock.now())
    assert user.id == token.user_id.value


async def test_hasher_dummy_verify_counts_and_fails(hasher: FakePasswordHasher) -> None:
    assert not await hasher.verify("anything at all", None)
    assert hasher.verified == [("anything at all", None)]
    digest = await hasher.hash(Password("a good password"))
    assert digest != "a good password"
    assert await hasher.verify("a good password", digest)
    assert not await hasher.verify("a bad password", digest)


def test_clock_stands_still_until_advanced() -> None:
    clock = FixedClock()
    start = clock.now()
    assert clock.now() == start
    clock.advance(timedelta(seconds=5))
    assert clock.now() == start + timedelta(seconds=5)


async def test_a_stored_user_hands_out_no_event_again(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    """As the SQL repository builds users from rows: their events went to the outbox."""
    user = await create_user(uow, hasher, clock)
    async with uow:
        [loaded] = uow.stored_users()
        again = await uow.users.get(loaded.id_)

    assert again is not None
    assert again.pending_events == ()
    assert [event.aggregate_id for event in uow.stored_events()] == [user.id]


async def test_processed_marks_commit_or_roll_back_with_their_block(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    kept, dropped = uuid.uuid4(), uuid.uuid4()
    async with uow:
        assert await uow.processed_events.record(kept, "subscriber", clock.now())

    async def mark_then_fail() -> None:
        async with uow:
            await uow.processed_events.record(dropped, "subscriber", clock.now())
            raise RuntimeError("the effect failed")

    with pytest.raises(RuntimeError):
        await mark_then_fail()

    assert uow.processed_marks() == {(kept, "subscriber")}
    async with uow:
        assert not await uow.processed_events.record(kept, "subscriber", clock.now())
        assert await uow.processed_events.contains(kept, "subscriber")
        assert not await uow.processed_events.contains(dropped, "subscriber")


async def test_the_outbox_fake_claims_as_the_table_does(clock: FixedClock) -> None:
    """Per aggregate in order, a lease that runs out, marks after it, releases under it."""
    lease = timedelta(seconds=30)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    first, second, other = (
        to_record(UserPasswordChanged(aggregate_id=aggregate, occurred_at=EPOCH))
        for aggregate in (alice, alice, bob)
    )
    outbox = InMemoryOutbox(first, second, other)

    dead = await outbox.claim(limit=10, now=clock.now(), lease=lease)
    assert dead.records == (first, other)
    assert (await outbox.claim(limit=10, now=clock.now(), lease=lease)).records == ()
    clock.advance(lease + timedelta(microseconds=1))
    taken_over = await outbox.claim(limit=10, now=clock.now(), lease=lease)
    assert taken_over.records == (first, other)

    # The dead relay came back after all: what it delivered is published, the rest stays
    # with the relay that took it over.
    assert await outbox.mark_published(dead, 1, clock.now()) == MarkedEvents(marked=1, lost=1)
    assert outbox.published() == [first]
    assert outbox.claimed() == [first, other]
    assert await outbox.mark_published(taken_over, 1, clock.now()) == MarkedEvents(marked=1, lost=0)
    assert outbox.claimed() == []
    assert (await outbox.claim(limit=10, now=clock.now(), lease=lease)).records == (
        second,
        other,
    )
