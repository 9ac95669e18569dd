import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TokenPairDTO:
    # Whose tokens: a client need not decode the access token to learn it.
    user_id: uuid.UUID
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
