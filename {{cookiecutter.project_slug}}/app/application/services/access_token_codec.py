"""Contract for signing and verifying access tokens (JWT in infrastructure)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.domain.value_objects.role import Role


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: uuid.UUID
    # For clients (what to offer in a UI); the server reads the current role from
    # the database instead, so a role claimed here grants nothing.
    role: Role
    issued_at: datetime
    expires_at: datetime
    # The login the token belongs to (its refresh-token family): lets a user end "all my
    # other sessions" while keeping this one.
    session_id: uuid.UUID | None = None


class AccessTokenCodec(Protocol):
    def encode(self, claims: AccessClaims) -> str: ...

    def decode(self, token: str) -> AccessClaims:
        """Verify signature, algorithm, expiry and token type; raise InvalidTokenError."""
        ...
