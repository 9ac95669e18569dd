from dataclasses import dataclass, field

from app.application.bus.command_bus import Command
from app.application.dto.principal import Principal
from app.application.dto.user import UserDTO
from app.domain.value_objects.role import Role


@dataclass(frozen=True, slots=True)
class CreateUserCommand(Command[UserDTO]):
    email: str
    password: str = field(repr=False)
    # Who asks: an admin's principal over HTTP; None only for an operator on the
    # server (`python -m app create-admin`), whose database access is the authority.
    # No default, so that no caller can leave the check out by forgetting it.
    requester: Principal | None
    role: Role = Role.USER
