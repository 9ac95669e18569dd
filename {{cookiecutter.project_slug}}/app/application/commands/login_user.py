from dataclasses import dataclass, field

from app.application.bus.command_bus import Command
from app.application.dto.token_pair import TokenPairDTO


@dataclass(frozen=True, slots=True)
class LoginUserCommand(Command[TokenPairDTO]):
    email: str
    password: str = field(repr=False)
