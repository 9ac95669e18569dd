from typing import Literal

from pydantic import BaseModel

CheckOutcome = Literal["ok", "failed", "not_checked"]


class ReadinessChecks(BaseModel):
    """One outcome per check, in the order they run; a check after a failed one is not run."""

    database_reachable: CheckOutcome
    schema_migrated: CheckOutcome
    database_writable: CheckOutcome


class ReadinessReadModel(BaseModel):
    checks: ReadinessChecks

    @property
    def ready(self) -> bool:
        return all(outcome == "ok" for outcome in self.checks.model_dump().values())
