from dataclasses import dataclass, field

from app.application.bus.command_bus import Command
from app.application.dto.user import UserDTO
from app.domain.value_objects.role import Role


@dataclass(frozen=True, slots=True)
class CreateUserCommand(Command[UserDTO]):
    email: str
    password: str = field(repr=False)
    role: Role = Role.USER
