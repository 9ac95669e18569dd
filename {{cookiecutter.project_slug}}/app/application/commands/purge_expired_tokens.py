from dataclasses import dataclass

from app.application.bus.command_bus import Command


@dataclass(frozen=True, slots=True)
class PurgeExpiredTokensCommand(Command[int]):
    """Delete refresh tokens past their expiry; the result is how many went."""
