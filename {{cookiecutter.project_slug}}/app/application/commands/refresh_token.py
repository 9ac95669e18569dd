from dataclasses import dataclass, field

from app.application.bus.command_bus import Command
from app.application.dto.token_pair import TokenPairDTO


@dataclass(frozen=True, slots=True)
class RefreshTokenCommand(Command[TokenPairDTO]):
    refresh_token: str = field(repr=False)
    # The client's rate-limit bucket (its IPv4 address or IPv6 /64), for the refresh throttle.
    address_bucket: str
    client: str = ""
