from dataclasses import dataclass, field

from app.application.bus.command_bus import Command
from app.application.dto.user import UserDTO


@dataclass(frozen=True, slots=True)
class RegisterUserCommand(Command[UserDTO]):
    email: str
    password: str = field(repr=False)
