"""SqlUserRepository through SqlUnitOfWork against the real database."""

from typing import Any

import pytest
from row_query import RowQueryError

from app.domain.errors import ConflictError
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId
from app.infrastructure.db.unit_of_work import SqlUnitOfWork, UnitOfWorkNotActiveError

from .builders import new_user, now, store_user


async def test_a_stored_user_round_trips_by_id_and_by_email(uow: SqlUnitOfWork) -> None:
    user = new_user("  Alice@Example.COM ", role=Role.ADMIN)
    async with uow:
        await uow.users.add(user)

    async with uow:
        by_id = await uow.users.get(user.id_)
        by_email = await uow.users.get_by_email(Email.parse("ALICE@example.com"))

    assert by_id is not None
    assert by_email is not None
    assert by_id == by_email == user
    assert by_id.email.value == "alice@example.com"
    assert by_id.password_hash == user.password_hash
    assert by_id.role is Role.ADMIN
    assert by_id.created_at == user.created_at


async def test_unknown_users_are_none(uow: SqlUnitOfWork) -> None:
    async with uow:
        assert await uow.users.get(UserId.generate()) is None
        assert await uow.users.get_by_email(Email.parse("nobody@example.com")) is None


async def test_an_email_is_taken_whatever_its_case(engine: Any, uow: SqlUnitOfWork) -> None:
    await store_user(engine, new_user("bob@example.com"))

    async def add_again() -> None:
        async with uow:
            await uow.users.add(new_user(" BOB@example.com"))

    with pytest.raises(ConflictError) as raised:
        await add_again()

    assert raised.value.code == "EMAIL_TAKEN"
    async with uow:
        stored = await uow.users.get_by_email(Email.parse("bob@example.com"))
    assert stored is not None


async def test_update_password_stores_the_new_hash(engine: Any, uow: SqlUnitOfWork) -> None:
    user = await store_user(engine)

    async with uow:
        loaded = await uow.users.get(user.id_)
        assert loaded is not None
        loaded.change_password_hash("new-hash", now=now())
        await uow.users.update_password(loaded)

    async with uow:
        reloaded = await uow.users.get(user.id_)
    assert reloaded is not None
    assert reloaded.password_hash == "new-hash"


async def test_an_exception_rolls_the_unit_of_work_back(uow: SqlUnitOfWork) -> None:
    user = new_user()

    async def fail_after_adding() -> None:
        async with uow:
            await uow.users.add(user)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_after_adding()

    async with uow:
        assert await uow.users.get(user.id_) is None


async def test_a_unit_of_work_can_be_entered_again(uow: SqlUnitOfWork) -> None:
    first, second = new_user("first@example.com"), new_user("second@example.com")
    async with uow:
        await uow.users.add(first)
    async with uow:
        await uow.users.add(second)

    async with uow:
        assert await uow.users.get(first.id_) == first
        assert await uow.users.get(second.id_) == second


async def test_a_unit_of_work_cannot_be_nested(uow: SqlUnitOfWork) -> None:
    async with uow:
        with pytest.raises(UnitOfWorkNotActiveError):
            await uow.__aenter__()


async def test_repositories_are_unusable_outside_the_block(uow: SqlUnitOfWork) -> None:
    with pytest.raises(UnitOfWorkNotActiveError):
        _ = uow.users
    with pytest.raises(UnitOfWorkNotActiveError):
        _ = uow.refresh_tokens

    async with uow:
        users = uow.users
    with pytest.raises(UnitOfWorkNotActiveError):
        _ = uow.users
    # A repository kept past the block holds a finished transaction.
    with pytest.raises(RowQueryError):
        await users.get(UserId.generate())


async def test_get_for_update_finds_only_the_user_asked_for(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    stored = await store_user(engine)

    async with uow:
        unknown = await uow.users.get_for_update(UserId.generate())
        locked = await uow.users.get_for_update(stored.id_)

    assert unknown is None, "another user's row is not an unknown id's"
    assert locked == stored
    assert locked is not None
    assert locked.email == stored.email


async def test_locking_the_active_admins_counts_them(engine: Any, uow: SqlUnitOfWork) -> None:
    async with uow:
        assert await uow.users.lock_active_admins() == 0
    await store_user(engine, new_user("root@example.com", role=Role.ADMIN))
    await store_user(engine, new_user("bob@example.com", role=Role.USER))
    async with uow:
        assert await uow.users.lock_active_admins() == 1
