import uuid
from dataclasses import dataclass, field

from app.application.bus.command_bus import Command


@dataclass(frozen=True, slots=True)
class ChangePasswordCommand(Command[None]):
    user_id: uuid.UUID
    current_password: str = field(repr=False)
    new_password: str = field(repr=False)
