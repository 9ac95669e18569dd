import uuid
from dataclasses import dataclass

from app.application.bus.command_bus import Command


@dataclass(frozen=True, slots=True)
class EndOtherSessionsCommand(Command[None]):
    """A user signs out everywhere but here; with no current session, everywhere."""

    user_id: uuid.UUID
    current_session_id: uuid.UUID | None
