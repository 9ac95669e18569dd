"""Who is calling: the verified subject of an access token.

Deliberately no role: what the caller may do is read from the database by the
handler (app/application/services/requester.py), so a demotion or deletion is
not outlived by the tokens issued before it.
"""

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: uuid.UUID
    # The session (login) the token was issued to; None for tokens from before sessions
    # were named in them.
    session_id: uuid.UUID | None = None
