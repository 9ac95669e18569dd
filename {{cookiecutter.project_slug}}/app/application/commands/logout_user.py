import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class LogoutUserCommand:
    user_id: uuid.UUID
    refresh_token: str = field(repr=False)
