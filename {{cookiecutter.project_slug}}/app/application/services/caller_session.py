"""The caller's session, for what manages sessions: it must not have ended.

An access token outlives the session that issued it by up to its own lifetime. Most
routes accept that (README.md, "Endpoints"); the ones that list or end sessions do not,
or a session its owner ended could, for those minutes, end the owner's others.
"""

import uuid
from datetime import datetime

from app.application.unit_of_work import UnitOfWork
from app.domain.errors import InvalidTokenError
from app.domain.value_objects.user_id import UserId


async def require_live_session(
    uow: UnitOfWork, user_id: UserId, session_id: uuid.UUID | None, now: datetime
) -> None:
    """Inside `async with uow`. A token from before sessions were named has no session."""
    if session_id is not None and not await uow.refresh_tokens.has_live_session(
        user_id, session_id, now
    ):
        raise session_ended()


def session_ended() -> InvalidTokenError:
    # 401, like any other dead token: the client's answer is to sign in again.
    return InvalidTokenError("The session of this access token has ended", code="SESSION_ENDED")
