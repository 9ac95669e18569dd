"""SqlRefreshTokenRepository: storage by hash, one-time redemption, revocation."""

import asyncio
from datetime import timedelta
from typing import Any

from app.infrastructure.db.unit_of_work import SqlUnitOfWork

from .builders import load_token, new_token, new_user, now, store_tokens, store_user

CONCURRENT_REDEEMERS = 8


async def test_a_stored_token_is_found_by_its_hash(engine: Any, uow: SqlUnitOfWork) -> None:
    user = await store_user(engine)
    token = new_token(user.id_)
    await store_tokens(engine, token)

    loaded = await load_token(engine, token)
    assert loaded == token
    assert loaded.user_id == user.id_
    assert loaded.family_id == token.family_id
    assert loaded.token_hash == token.token_hash
    assert loaded.issued_at == token.issued_at
    assert loaded.session_started_at == token.session_started_at
    assert loaded.expires_at == token.expires_at
    assert loaded.used_at is None
    assert loaded.revoked_at is None
    async with uow:
        assert await uow.refresh_tokens.get_by_hash("0" * 64) is None


async def test_a_token_is_marked_used_once(engine: Any, uow: SqlUnitOfWork) -> None:
    token = new_token((await store_user(engine)).id_)
    await store_tokens(engine, token)
    used_at = now()

    async with uow:
        assert await uow.refresh_tokens.mark_used(token.id_, used_at) is True
    async with uow:
        assert await uow.refresh_tokens.mark_used(token.id_, now()) is False

    assert (await load_token(engine, token)).used_at == used_at


async def test_concurrent_redemptions_succeed_exactly_once(engine: Any) -> None:
    token = new_token((await store_user(engine)).id_)
    await store_tokens(engine, token)

    async def redeem() -> bool:
        async with SqlUnitOfWork(engine) as uow:
            return await uow.refresh_tokens.mark_used(token.id_, now())

    results = await asyncio.gather(*(redeem() for _ in range(CONCURRENT_REDEEMERS)))

    assert results.count(True) == 1
    assert results.count(False) == CONCURRENT_REDEEMERS - 1


async def test_revoke_family_revokes_only_that_family(engine: Any, uow: SqlUnitOfWork) -> None:
    user = await store_user(engine)
    first = new_token(user.id_)
    rotated = new_token(user.id_, family_id=first.family_id)
    other_login = new_token(user.id_)
    await store_tokens(engine, first, rotated, other_login)
    revoked_at = now()

    async with uow:
        await uow.refresh_tokens.revoke_family(first.family_id, revoked_at)

    assert (await load_token(engine, first)).revoked_at == revoked_at
    assert (await load_token(engine, rotated)).revoked_at == revoked_at
    assert (await load_token(engine, other_login)).revoked_at is None
    async with uow:
        assert await uow.refresh_tokens.mark_used(rotated.id_, now()) is False


async def test_revoke_all_for_user_spares_other_users(engine: Any, uow: SqlUnitOfWork) -> None:
    alice = await store_user(engine)
    bob = await store_user(engine, new_user("bob@example.com"))
    alice_tokens = [new_token(alice.id_), new_token(alice.id_)]
    bob_token = new_token(bob.id_)
    await store_tokens(engine, *alice_tokens, bob_token)

    async with uow:
        await uow.refresh_tokens.revoke_all_for_user(alice.id_, now())

    for token in alice_tokens:
        assert (await load_token(engine, token)).revoked_at is not None
    assert (await load_token(engine, bob_token)).revoked_at is None


async def test_delete_expired_keeps_live_and_merely_revoked_tokens(
    engine: Any, uow: SqlUnitOfWork
) -> None:
    user = await store_user(engine)
    live, revoked = new_token(user.id_), new_token(user.id_)
    await store_tokens(engine, live, revoked)
    async with uow:
        await uow.refresh_tokens.revoke_family(revoked.family_id, now())

    async with uow:
        assert await uow.refresh_tokens.delete_expired(now()) == 0
    async with uow:
        assert await uow.refresh_tokens.delete_expired(now() + timedelta(days=8)) == 2
        assert await uow.refresh_tokens.get_by_hash(live.token_hash) is None
