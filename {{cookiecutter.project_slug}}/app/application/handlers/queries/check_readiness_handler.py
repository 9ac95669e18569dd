from app.application.bus.query_bus import query_handler
from app.application.queries.check_readiness import CheckReadinessQuery
from app.application.read_database import ReadDatabase
from app.application.read_models.readiness import ReadinessReadModel


@query_handler(CheckReadinessQuery)
async def handle_check_readiness(
    query: CheckReadinessQuery, reader: ReadDatabase
) -> ReadinessReadModel:
    await reader.fetch_one("health.ping")
    return ReadinessReadModel()
