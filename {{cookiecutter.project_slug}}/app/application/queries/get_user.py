import uuid
from dataclasses import dataclass

from app.application.dto.principal import Principal


@dataclass(frozen=True, slots=True)
class GetUserQuery:
    user_id: uuid.UUID
    requester: Principal
