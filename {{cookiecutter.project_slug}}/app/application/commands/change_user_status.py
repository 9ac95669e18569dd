import uuid
from dataclasses import dataclass

from app.application.bus.command_bus import Command
from app.application.dto.principal import Principal
from app.application.dto.user import UserDTO


@dataclass(frozen=True, slots=True)
class ChangeUserStatusCommand(Command[UserDTO]):
    """Deactivate an account (`is_active` false) or reactivate it."""

    user_id: uuid.UUID
    is_active: bool
    requester: Principal
