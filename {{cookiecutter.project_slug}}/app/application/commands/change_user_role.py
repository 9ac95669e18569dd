import uuid
from dataclasses import dataclass

from app.application.bus.command_bus import Command
from app.application.dto.principal import Principal
from app.application.dto.user import UserDTO
from app.domain.value_objects.role import Role


@dataclass(frozen=True, slots=True)
class ChangeUserRoleCommand(Command[UserDTO]):
    user_id: uuid.UUID
    role: Role
    # The admin who asks; their current role is read from the database, not the token.
    requester: Principal
