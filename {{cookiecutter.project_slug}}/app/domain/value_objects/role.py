"""What a user is allowed to do."""

from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"
