from typing import Literal

from pydantic import BaseModel, Field

CheckOutcome = Literal["ok", "failed", "not_checked"]
DependencyOutcome = Literal["ok", "failed", "not_configured"]


class ReadinessChecks(BaseModel):
    """One outcome per check, in the order they run; a check after a failed one is not run."""

    database_reachable: CheckOutcome
    schema_migrated: CheckOutcome
    database_writable: CheckOutcome


class ReadinessReadModel(BaseModel):
    checks: ReadinessChecks
    # Every other dependency by name, each checked on its own: one that is down does
    # not hide the state of the rest. An optional one left unset is "not_configured".
    dependencies: dict[str, DependencyOutcome] = Field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Whether this instance can serve: its primary database is up, migrated, writable.

        Not whether every dependency is: Redis and a replica are shared by every instance,
        so an outage of theirs would take all of them out of a load balancer at once,
        although most requests still work. That is `degraded`.
        """
        return all(outcome == "ok" for outcome in self.checks.model_dump().values())

    @property
    def degraded(self) -> bool:
        return "failed" in self.dependencies.values()
