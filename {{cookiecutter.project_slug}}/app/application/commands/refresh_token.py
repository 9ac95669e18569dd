from dataclasses import dataclass, field

from app.application.bus.command_bus import Command
from app.application.dto.token_pair import TokenPairDTO


@dataclass(frozen=True, slots=True)
class RefreshTokenCommand(Command[TokenPairDTO]):
    refresh_token: str = field(repr=False)
