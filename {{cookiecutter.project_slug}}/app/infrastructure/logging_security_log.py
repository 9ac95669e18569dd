"""The security event log as JSON lines on the `app.security` logger.

A collector can route that logger apart (to an append-only store, a SIEM) by its name.
Each line carries the event, the account (user id, or `email:` and a keyed hash that
lets one follow repeated attempts on an unknown address without logging it), the
request id and client of the request it happened in, and the event's details.
"""

import hashlib
import hmac
import logging
import uuid

from app.application.correlation import current_correlation
from app.application.ports.security_log import Detail, SecurityEvent

security_logger = logging.getLogger("app.security")
# What an operator must look at; the rest is the audit trail, at INFO.
WARNINGS = frozenset({SecurityEvent.REFRESH_TOKEN_REUSED, SecurityEvent.FOREIGN_TOKEN_LOGOUT})
HASH_LABEL = b"security-log/account/v1"


class LoggingSecurityLog:
    def __init__(self, key: bytes) -> None:
        # Derived, so the key that hashes addresses is never the one given.
        self._key = hmac.new(key, HASH_LABEL, hashlib.sha256).digest()

    def record(
        self,
        event: SecurityEvent,
        *,
        user_id: uuid.UUID | None = None,
        email: str | None = None,
        **details: Detail,
    ) -> None:
        level = logging.WARNING if event in WARNINGS else logging.INFO
        if not security_logger.isEnabledFor(level):
            return
        fields: dict[str, Detail] = {"event": event.value}
        if user_id is not None:
            fields["user_id"] = str(user_id)
        elif email is not None:
            fields["account"] = self.account_of(email)
        correlation = current_correlation.get()
        if correlation is not None:
            fields["request_id"] = correlation.request_id
            fields["client"] = correlation.client
        fields.update(
            {
                key: str(value) if isinstance(value, uuid.UUID) else value
                for key, value in details.items()
            }
        )
        security_logger.log(level, event.value, extra=fields)

    def account_of(self, email: str) -> str:
        """The keyed hash an unknown address is logged as: the same for the same address."""
        normalised = email.strip().casefold()
        digest = hmac.new(self._key, normalised.encode(), hashlib.sha256).hexdigest()
        return f"email:{digest[:32]}"
