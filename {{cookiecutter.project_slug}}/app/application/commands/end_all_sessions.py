from dataclasses import dataclass

from app.application.bus.command_bus import Command


@dataclass(frozen=True, slots=True)
class EndAllSessionsCommand(Command[int]):
    """An operator ends every session of every account (a leaked database, a breach);
    the result is how many ended. Only `python -m app revoke-sessions --all` sends it."""
