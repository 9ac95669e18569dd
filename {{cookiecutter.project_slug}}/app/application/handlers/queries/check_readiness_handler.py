import asyncio
from collections.abc import Mapping

from app.application.bus.query_bus import query_handler
from app.application.ports.database_probe import DatabaseProbe
from app.application.ports.reachability_probe import ReachabilityProbe
from app.application.queries.check_readiness import CheckReadinessQuery
from app.application.read_models.readiness import (
    CheckOutcome,
    DependencyOutcome,
    ReadinessChecks,
    ReadinessReadModel,
)


@query_handler(CheckReadinessQuery)
async def handle_check_readiness(
    query: CheckReadinessQuery,
    database: DatabaseProbe,
    expected_schema_version: int,
    dependencies: Mapping[str, ReachabilityProbe | None],
) -> ReadinessReadModel:
    """Ready means the database answers, is migrated as far as this code expects, and takes
    writes, and every configured dependency answers.

    A database migrated further still counts: during a rolling deploy the new release
    migrates first, and migrations are written so that the previous one runs on them.
    The dependencies are probed at the same time as the database, so the wait is the
    slowest probe's, not their sum.
    """
    state, reached = await asyncio.gather(database.probe(), _reach_all(dependencies))
    migrated = state.schema_version is not None and state.schema_version >= expected_schema_version
    return ReadinessReadModel(
        checks=ReadinessChecks(
            database_reachable=_outcome(state.reachable),
            schema_migrated=_outcome(migrated) if state.reachable else "not_checked",
            database_writable=_outcome(state.writable),
        ),
        dependencies=reached,
    )


async def _reach_all(
    dependencies: Mapping[str, ReachabilityProbe | None],
) -> dict[str, DependencyOutcome]:
    names = list(dependencies)
    outcomes = await asyncio.gather(*(_reach(dependencies[name]) for name in names))
    return dict(zip(names, outcomes, strict=True))


async def _reach(probe: ReachabilityProbe | None) -> DependencyOutcome:
    if probe is None:
        return "not_configured"
    return "ok" if await probe.reachable() else "failed"


def _outcome(passed: bool | None) -> CheckOutcome:
    if passed is None:
        return "not_checked"
    return "ok" if passed else "failed"
