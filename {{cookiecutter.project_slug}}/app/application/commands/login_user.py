from dataclasses import dataclass, field

from app.application.bus.command_bus import Command
from app.application.dto.token_pair import TokenPairDTO


@dataclass(frozen=True, slots=True)
class LoginUserCommand(Command[TokenPairDTO]):
    email: str
    password: str = field(repr=False)
    # The client's rate-limit bucket (its IPv4 address or IPv6 /64), for the login throttle.
    address_bucket: str
    # What the client said it is (a shortened User-Agent), shown in the list of sessions.
    client: str = ""
