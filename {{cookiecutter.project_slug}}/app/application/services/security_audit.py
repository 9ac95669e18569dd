"""Audits what the buses dispatch, for the security event log.

Four things are told by the message and its outcome alone, whatever the handler:
an administrative action that went through, an authorisation refused to a known
caller, an access token refused for its account (gone, deactivated), and a
throttle's refusal. Sign-ins, refreshes, logouts, password changes and created
accounts are recorded by their handlers, which alone know why one failed or which
account came of it.
"""

import re
import uuid
from types import TracebackType

from app.application.commands.change_password import ChangePasswordCommand
from app.application.commands.change_user_role import ChangeUserRoleCommand
from app.application.commands.change_user_status import ChangeUserStatusCommand
from app.application.commands.end_user_sessions import EndUserSessionsCommand
from app.application.dto.principal import Principal
from app.application.ports.security_log import Detail, SecurityEvent, SecurityLog
from app.application.queries.get_user import GetUserQuery
from app.application.queries.list_users import ListUsersQuery
from app.domain.errors import AuthenticationError, AuthorizationError, RateLimitError
from app.domain.errors import ValidationError as InvalidInput
from app.domain.value_objects.email import Email

ADMIN_MESSAGES = (
    ChangeUserRoleCommand,
    ChangeUserStatusCommand,
    EndUserSessionsCommand,
    GetUserQuery,
    ListUsersQuery,
)
# Their handlers record why the caller was refused, as a failed credential check.
SELF_AUDITED = (ChangePasswordCommand,)


class SecurityAudit:
    def __init__(self, log: SecurityLog) -> None:
        self._log = log

    def dispatching(self, kind: str, message: object) -> "_Audited":
        return _Audited(self._log, message)


class _Audited:
    """A plain context manager, not a generator: it wraps every dispatch."""

    __slots__ = ("_log", "_message")

    def __init__(self, log: SecurityLog, message: object) -> None:
        self._log, self._message = log, message

    def __enter__(self) -> object:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        message = self._message
        if error is None:
            if isinstance(message, ADMIN_MESSAGES) and not _reads_own_account(message):
                self._record(SecurityEvent.ADMIN_ACTION, **_admin_details(message))
        elif isinstance(error, RateLimitError):
            self._record(SecurityEvent.RATE_LIMITED, code=error.code, limit="throttle")
        elif _caller(message) is None or isinstance(message, SELF_AUDITED):
            return
        elif isinstance(error, AuthorizationError):
            self._record(SecurityEvent.AUTHORIZATION_REFUSED, code=error.code)
        elif isinstance(error, AuthenticationError):
            self._record(SecurityEvent.ACCESS_TOKEN_REFUSED, code=error.code)

    def _record(self, event: SecurityEvent, **details: Detail) -> None:
        message = self._message
        caller = _caller(message)
        email = getattr(message, "email", None) if caller is None else None
        self._log.record(
            event,
            user_id=caller,
            email=_canonical(email) if isinstance(email, str) else None,
            action=action_name(message),
            **details,
        )


def action_name(message: object) -> str:
    """`ChangeUserRoleCommand` reads `change_user_role`."""
    name = re.sub(r"(Command|Query)$", "", type(message).__name__)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _caller(message: object) -> uuid.UUID | None:
    """Who asked: an admin's principal, or the account a self-service command acts for."""
    requester = getattr(message, "requester", None)
    if isinstance(requester, Principal):
        return requester.user_id
    if requester is None and hasattr(message, "requester"):
        return None  # the operator
    user_id = getattr(message, "user_id", None)
    return user_id if isinstance(user_id, uuid.UUID) else None


def _canonical(email: str) -> str:
    """The address as accounts store it, so that one address hashes alike however typed."""
    try:
        return Email.parse(email).value
    except InvalidInput:
        return email


def _reads_own_account(message: object) -> bool:
    return isinstance(message, GetUserQuery) and message.user_id == message.requester.user_id


def _admin_details(message: object) -> dict[str, Detail]:
    details: dict[str, Detail] = {}
    if isinstance(message, EndUserSessionsCommand) and message.requester is None:
        details["by"] = "operator"  # `python -m app revoke-sessions`: no account asks
    targeted = ChangeUserRoleCommand | ChangeUserStatusCommand | EndUserSessionsCommand
    if isinstance(message, targeted | GetUserQuery):
        details["target_user_id"] = message.user_id
    if isinstance(message, ChangeUserRoleCommand):
        details["role"] = message.role.value
    if isinstance(message, ChangeUserStatusCommand):
        details["is_active"] = message.is_active
    return details
