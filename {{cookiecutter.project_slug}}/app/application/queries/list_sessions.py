import uuid
from dataclasses import dataclass

from app.application.bus.query_bus import Query
from app.application.read_models.session import SessionReadModel

# More than anyone has open; a cap (MAX_SESSIONS_PER_USER) keeps the rest away.
MAX_LISTED_SESSIONS = 100


@dataclass(frozen=True, slots=True)
class ListSessionsQuery(Query[list[SessionReadModel]]):
    user_id: uuid.UUID
    current_session_id: uuid.UUID | None
