import uuid
from dataclasses import dataclass

from app.application.bus.command_bus import Command


@dataclass(frozen=True, slots=True)
class EndSessionCommand(Command[None]):
    """A user signs one of their own sessions out (a lost phone, a shared computer)."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    # The session of the caller's access token, which must still be live.
    current_session_id: uuid.UUID | None
