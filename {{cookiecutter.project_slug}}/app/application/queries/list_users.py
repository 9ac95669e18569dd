import uuid
from dataclasses import dataclass
from datetime import datetime

from app.application.bus.query_bus import Query
from app.application.dto.principal import Principal
from app.application.read_models.user_page import UserPage
from app.domain.value_objects.role import Role

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class UserPosition:
    """Where a page ended: the listing's order is (created_at, id); `created_at` in UTC."""

    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class ListUsersQuery(Query[UserPage]):
    requester: Principal
    limit: int
    # None: from the first account.
    after: UserPosition | None = None
    # None: any role, any status.
    role: Role | None = None
    is_active: bool | None = None
