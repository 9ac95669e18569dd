from app.application.bus.query_bus import query_handler
from app.application.ports.database_probe import DatabaseProbe
from app.application.queries.check_readiness import CheckReadinessQuery
from app.application.read_models.readiness import CheckOutcome, ReadinessChecks, ReadinessReadModel


@query_handler(CheckReadinessQuery)
async def handle_check_readiness(
    query: CheckReadinessQuery, database: DatabaseProbe, expected_schema_version: int
) -> ReadinessReadModel:
    """Ready means the database answers, is migrated as far as this code expects, and takes writes.

    A database migrated further still counts: during a rolling deploy the new release
    migrates first, and migrations are written so that the previous one runs on them
    (docs/SCALING.md).
    """
    state = await database.probe()
    migrated = state.schema_version is not None and state.schema_version >= expected_schema_version
    return ReadinessReadModel(
        checks=ReadinessChecks(
            database_reachable=_outcome(state.reachable),
            schema_migrated=_outcome(migrated) if state.reachable else "not_checked",
            database_writable=_outcome(state.writable),
        )
    )


def _outcome(passed: bool | None) -> CheckOutcome:
    if passed is None:
        return "not_checked"
    return "ok" if passed else "failed"
