"""The kinds of request a rate limit counts separately, each with its own setting."""

from enum import StrEnum


class RateLimitScope(StrEnum):
    LOGIN = "login"
    REGISTER = "register"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - a rate-limit scope, not a secret
    LOGOUT = "logout"
