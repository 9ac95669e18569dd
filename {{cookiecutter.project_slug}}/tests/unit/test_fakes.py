"""The fakes keep the contracts the handlers rely on; if they lied, every handler test would too."""

from datetime import timedelta

import pytest

from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.errors import ConflictError
from app.domain.value_objects.email import Email
from app.domain.value_objects.password import Password

from .fakes import EPOCH, FakePasswordHasher, FixedClock, InMemoryUnitOfWork
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
