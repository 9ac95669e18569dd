"""The caller's session, for what manages sessions: it must not have ended.

An access token outlives the session that issued it by up to its own lifetime. Most
routes accept that (README.md, "Endpoints"); the ones that list or end sessions do not,
or a session its owner ended could, for those minutes, end the owner's others.
"""

import uuid
from datetime import datetime

from app.application.services.requester import requester_account
from app.application.unit_of_work import UnitOfWork
from app.domain.entities.user import UserEntity
from app.domain.errors import InvalidTokenError


async def caller_in_live_session(
    uow: UnitOfWork, user_id: uuid.UUID, session_id: uuid.UUID | None, now: datetime
) -> UserEntity:
    """Inside `async with uow`: the caller's account, locked (a refresh racing this
    finishes first, so what it minted is seen), whose session must not have ended. A
    token from before sessions were named has no session to check."""
    user = await requester_account(uow.users, user_id, lock=True)
    if session_id is not None and not await uow.refresh_tokens.has_live_session(
        user.id_, session_id, now
    ):
        raise session_ended()
    return user


def session_ended() -> InvalidTokenError:
    # 401, like any other dead token: the client's answer is to sign in again.
    return InvalidTokenError("The session of this access token has ended", code="SESSION_ENDED")
