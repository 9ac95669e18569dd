"""The security event log (OWASP ASVS 16.3): one event per authentication decision,
refusal and administrative action, written apart from the application's other logs.

An event names the account by its user id or, when no account is known, by a keyed
hash of the address given, never by the address itself; details are short labels and
ids. Nothing passed here is a secret: no password, token or hash reaches a call.
"""

import uuid
from enum import StrEnum
from typing import Protocol

Detail = str | int | bool | uuid.UUID | None


class SecurityEvent(StrEnum):
    ACCOUNT_REGISTERED = "account.registered"
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    TOKEN_REFRESHED = "token.refreshed"  # noqa: S105 - an event name
    REFRESH_REFUSED = "token.refresh_refused"
    # A refresh token used twice: stolen or raced. The whole session is revoked.
    REFRESH_TOKEN_REUSED = "token.reuse_detected"  # noqa: S105 - an event name
    LOGGED_OUT = "logout.succeeded"
    # A logout that named another account's refresh token, left untouched.
    FOREIGN_TOKEN_LOGOUT = "logout.foreign_token"  # noqa: S105 - an event name
    # A user ended one of their sessions, or all but the current one.
    SESSION_ENDED = "session.ended"
    # A session id the caller has no live session under: ended, unknown, or someone else's.
    SESSION_END_REFUSED = "session.end_refused"
    OTHER_SESSIONS_ENDED = "session.ended_others"
    PASSWORD_CHANGED = "password.changed"  # noqa: S105 - an event name
    PASSWORD_CHANGE_FAILED = "password.change_failed"  # noqa: S105 - an event name
    # A bearer token refused: forged, expired, or of an account gone or deactivated.
    ACCESS_TOKEN_REFUSED = "access_token.refused"  # noqa: S105 - an event name
    AUTHORIZATION_REFUSED = "authorization.refused"
    RATE_LIMITED = "rate_limit.refused"
    ADMIN_ACTION = "admin.action"


class SecurityLog(Protocol):
    def record(
        self,
        event: SecurityEvent,
        *,
        user_id: uuid.UUID | None = None,
        email: str | None = None,
        **details: Detail,
    ) -> None:
        """Write one event; `email` only when `user_id` is unknown (it is logged hashed)."""
        ...
