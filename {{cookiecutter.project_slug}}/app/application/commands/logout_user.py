import uuid
from dataclasses import dataclass, field

from app.application.bus.command_bus import Command


@dataclass(frozen=True, slots=True)
class LogoutUserCommand(Command[None]):
    user_id: uuid.UUID
    refresh_token: str = field(repr=False)
