from dataclasses import dataclass

from app.application.bus.query_bus import Query
from app.application.read_models.readiness import ReadinessReadModel


@dataclass(frozen=True, slots=True)
class CheckReadinessQuery(Query[ReadinessReadModel]):
    """Asks whether the service can serve: its database answers, is migrated and takes writes."""
