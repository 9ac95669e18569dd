"""The API fuzzer (schemathesis) run in-process against an app's own OpenAPI document.

It is what `st run --checks all --mode all` does against a server, without a socket:
schemathesis loads /openapi.json from the ASGI app and runs its phases (examples,
coverage, fuzzing, then the stateful phase that follows the documented links) with
every check, on schema-valid and schema-invalid data.

The run goes through schemathesis' engine, the one its CLI drives, rather than its
pytest plugin: the plugin's fixture-based loader does not work with pytest 9.2
(it reads `request.node._nodeid`), and only the engine runs every phase in one call.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.engine import StopReason, events, from_schema
from schemathesis.python import asgi

# Small and fixed so that a run takes a few seconds and finds the same things every time.
SEED = 20261201
MAX_EXAMPLES = 6
MAX_STATEFUL_STEPS = 6
# A hang guard, far above a normal answer: a request past it fails the run.
REQUEST_TIMEOUT_SECONDS = 10
# Rules the schema can state only in words (descriptions), so schema-valid data may break
# them: the common-password list, a password of only blanks or combining marks,
# email normalisation (IDNA, one script per label). Their operations may refuse positive
# data with 422, and `refusals_name_their_rule` holds that 422 to naming the rule. So
# may the listing: a cursor is any string to the schema, but only one it issued works.
POLICY_OPERATIONS = ["register_user", "login", "change_password", "create_user", "list_users"]
POLICY_CODES = frozenset(
    {
        "INVALID_EMAIL",
        "PASSWORD_BLANK",
        "PASSWORD_TOO_COMMON",
        "INVALID_CURSOR",
    }
)
# How the request schema words a password over the byte limit (app/interfaces/api/schemas).
BYTE_LIMIT_MESSAGE = "bytes in UTF-8"
DEFAULT_ACCEPTED = PositiveDataAcceptanceConfig().expected_statuses


@dataclass
class FuzzReport:
    # One line per distinct (phase, operation, check, failure): what went wrong, not how often.
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # How often each (operation, status) was answered: proof of what the run reached.
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    stop_reason: StopReason | None = None


def fuzz_config(bearer_token: str, only: str | None = None) -> schemathesis.Config:
    """Every check and mode, the app's own limits; `only` narrows it to one operation id."""
    narrowed = [{"exclude-operation-id": [only], "enabled": False}] if only else []
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "request-timeout": REQUEST_TIMEOUT_SECONDS,
            "cache": {"enabled": False},
            "generation": {
                "mode": "all",  # positive and negative data
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "checks": {"enabled": True},
            # A stateful run needs links between operations; one operation has none.
            "phases": {"stateful": {"enabled": not only, "max-steps": MAX_STATEFUL_STEPS}},
            "auth": {"openapi": {"Bearer": {"bearer": bearer_token}}},
            "operations": [
                {
                    "include-operation-id": POLICY_OPERATIONS,
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [*DEFAULT_ACCEPTED, "422"]
                        }
                    },
                },
                *narrowed,
            ],
        }
    )


@schemathesis.check
def refusals_name_their_rule(
    ctx: schemathesis.CheckContext,
    response: schemathesis.Response,
    case: schemathesis.Case[Any],
) -> None:
    """Schema-valid data refused with 422 broke a rule the document states in words."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code != 422:
        return
    error = response.json()["error"]
    fields = error["details"].get("fields", [])
    over_byte_limit = bool(fields) and all(BYTE_LIMIT_MESSAGE in f["message"] for f in fields)
    if error["code"] not in POLICY_CODES and not over_byte_limit:
        raise AssertionError(f"schema-valid data refused: {error['code']}: {error['message']}")


def fuzz(app: Any, *, bearer_token: str, operation_id: str | None = None) -> FuzzReport:
    """Fuzz `app`, or only its operation `operation_id`.

    schemathesis starts the app through its lifespan; it is stopped before this returns.
    """
    report = FuzzReport()
    config = fuzz_config(bearer_token, only=operation_id)
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
        for event in from_schema(schema).execute():
            _record(report, event)
    finally:
        asgi.shutdown_lifespans()
    return report


def _record(report: FuzzReport, event: events.EngineEvent) -> None:
    if isinstance(event, events.ScenarioFinished):
        recorder = event.recorder
        for case_id, interaction in recorder.interactions.items():
            if interaction.response is not None:
                label = recorder.cases[case_id].value.operation.label
                report.answers[(label, interaction.response.status_code)] += 1
        for checks in recorder.checks.values():
            for check in checks:
                if check.failure_info is not None:
                    failure = check.failure_info.failure
                    summary = failure.message.splitlines()[0] if failure.message else ""
                    line = (
                        f"{event.phase.value} {failure.operation}: {check.name}: "
                        f"{failure.title}: {summary}"
                    )
                    if line not in report.failures:
                        report.failures.append(line)
    elif isinstance(event, events.NonFatalError):
        report.errors.append(f"{event.label}: {event.value!r}")
    elif isinstance(event, events.FatalError):
        report.errors.append(repr(event.exception))
    elif isinstance(event, events.EngineFinished):
        report.stop_reason = event.stop_reason
