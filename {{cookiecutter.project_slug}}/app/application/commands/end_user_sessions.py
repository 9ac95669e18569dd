import uuid
from dataclasses import dataclass

from app.application.bus.command_bus import Command
from app.application.dto.principal import Principal


@dataclass(frozen=True, slots=True)
class EndUserSessionsCommand(Command[None]):
    """An admin (or an operator, `requester=None`) ends every session of an account."""

    user_id: uuid.UUID
    requester: Principal | None
