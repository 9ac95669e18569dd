import uuid
from dataclasses import dataclass

from app.application.bus.query_bus import Query
from app.application.dto.principal import Principal
from app.application.read_models.user import UserReadModel


@dataclass(frozen=True, slots=True)
class GetUserQuery(Query[UserReadModel]):
    user_id: uuid.UUID
    requester: Principal
