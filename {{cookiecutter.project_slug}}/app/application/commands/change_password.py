import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ChangePasswordCommand:
    user_id: uuid.UUID
    current_password: str = field(repr=False)
    new_password: str = field(repr=False)
