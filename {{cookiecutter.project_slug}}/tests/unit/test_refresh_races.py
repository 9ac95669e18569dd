"""Refresh and logout when the user or the token is gone by the time the user's lock is taken.

The refresh handler reads the token, then locks its user and reads the token again: whatever
committed in between (the account deleted, the token purged) is what it acts on. Either
way the caller gets the one answer for a refresh token that does not work, 401
INVALID_REFRESH_TOKEN, and no new pair is issued. A logout takes the requester's lock
before it reads the token, so a refresh of the same family finishes first.
"""

from collections.abc import Awaitable, Callable

import pytest

from app.application.commands.logout_user import LogoutUserCommand
from app.application.handlers.commands.logout_user_handler import handle_logout_user
from app.application.services.token_service import TokenService
from app.domain.errors import AuthenticationError
from app.domain.value_objects.user_id import UserId

from .fakes import FakePasswordHasher, FixedClock, InMemoryUnitOfWork, RecordingSecurityLog
from .helpers import create_user, login, refresh

LockHook = Callable[[UserId], Awaitable[None]]


def _user_deleted(uow: InMemoryUnitOfWork) -> LockHook:
    async def delete(user_id: UserId) -> None:
        del uow.working_state().users[user_id]

    return delete


def _tokens_purged(uow: InMemoryUnitOfWork) -> LockHook:
    async def purge(user_id: UserId) -> None:
        uow.working_state().tokens.clear()

    return purge


@pytest.mark.parametrize(
    "gone_meanwhile",
    [pytest.param(_user_deleted, id="user-deleted"), pytest.param(_tokens_purged, id="token-gone")],
)
async def test_a_refresh_whose_user_or_token_vanished_before_the_lock_is_401(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    clock: FixedClock,
    gone_meanwhile: Callable[[InMemoryUnitOfWork], LockHook],
) -> None:
    await create_user(uow, hasher, clock)
    pair = await login(uow, hasher, tokens)
    stored_before = uow.stored_tokens()
    uow.on_user_lock = gone_meanwhile(uow)

    with pytest.raises(AuthenticationError) as caught:
        await refresh(uow, tokens, clock, pair.refresh_token)

    assert caught.value.code == "INVALID_REFRESH_TOKEN"
    assert uow.stored_tokens() == stored_before, "nothing issued, nothing marked used"


async def test_a_logout_waits_for_its_requesters_lock_and_acts_on_what_committed_meanwhile(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    tokens: TokenService,
    clock: FixedClock,
) -> None:
    user = await create_user(uow, hasher, clock)
    pair = await login(uow, hasher, tokens)
    uow.on_user_lock = _user_deleted(uow)

    with pytest.raises(AuthenticationError) as caught:
        await handle_logout_user(
            LogoutUserCommand(user_id=user.id, refresh_token=pair.refresh_token),
            uow,
            clock,
            RecordingSecurityLog(),
        )

    assert caught.value.message == "The account of this access token no longer exists"
