"""Domain error hierarchy; the HTTP layer maps each class to one status code."""

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """A broken business rule. Subclasses fix the default code."""

    default_code: ClassVar[str] = "DOMAIN_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class AuthenticationError(DomainError):
    default_code = "AUTHENTICATION_FAILED"


class InvalidTokenError(AuthenticationError):
    """The access token the request carried is refused: expired, forged, or its account gone."""

    default_code = "INVALID_TOKEN"


class AuthorizationError(DomainError):
    default_code = "FORBIDDEN"


class NotFoundError(DomainError):
    default_code = "NOT_FOUND"


class ConflictError(DomainError):
    default_code = "CONFLICT"


class ValidationError(DomainError):
    default_code = "VALIDATION_ERROR"


class InvalidEmailError(ValidationError):
    default_code = "INVALID_EMAIL"


class RateLimitError(DomainError):
    default_code = "RATE_LIMITED"

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: int = 1,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, details=details)
        # Never 0: "retry after 0 seconds" invites a client to retry at once, in a loop.
        self.retry_after_seconds = max(1, retry_after_seconds)
