"""The API as a fuzzer sees it: no answer breaks the published OpenAPI document.

schemathesis (tests/contract/fuzzing.py) fuzzes the real app through its own
/openapi.json: every check, schema-valid and schema-invalid data, and the stateful
phase following the documented links (register -> login -> refresh -> logout,
register -> get_user), as an admin so that no route stops at 403.
"""

import pytest
from fastapi import FastAPI
from schemathesis.engine import StopReason
from starlette.types import Message, Receive, Scope, Send

from app.infrastructure.config import Settings
from app.main import create_app

from .fuzzing import fuzz
from .helpers import client_for, create_admin, login, new_email, running_app

# Answers the run must reach, or it proved little: each operation's happy path, the
# ones only the stateful phase can reach (a refresh token that exists) included.
REACHED = {
    ("GET /health", 200),
    ("GET /health/ready", 200),
    ("POST /api/v1/auth/register", 201),
    ("POST /api/v1/auth/login", 200),
    ("POST /api/v1/auth/refresh", 200),
    ("POST /api/v1/auth/logout", 204),
    ("GET /api/v1/users/{user_id}", 200),
    ("POST /api/v1/users", 201),
}


@pytest.fixture
def fuzzed_settings(settings: Settings) -> Settings:
    """No rate limit: the fuzzer would spend its examples on 429s."""
    limits = {
        "login_rate_limit_per_minute": 0,
        "register_rate_limit_per_minute": 0,
        "password_change_rate_limit_per_minute": 0,
        "login_failures_per_account_and_address": 0,
        "login_failures_per_account": 0,
    }
    assert set(limits) <= set(Settings.model_fields), "a rate-limit setting was renamed"
    return settings.model_copy(update=limits)


@pytest.fixture
async def admin_token(fuzzed_settings: Settings) -> str:
    async with running_app(fuzzed_settings) as app, client_for(app) as client:
        admin = await create_admin(app, new_email("admin"))
        pair = await login(client, admin.email)
    token: str = pair["access_token"]
    return token


def test_the_fuzzer_finds_nothing_the_document_does_not_allow(
    fuzzed_settings: Settings, admin_token: str
) -> None:
    report = fuzz(create_app(fuzzed_settings), bearer_token=admin_token)

    assert report.stop_reason is StopReason.COMPLETED
    assert report.errors == []
    assert report.failures == []
    assert set(report.answers) >= REACHED, sorted(REACHED - set(report.answers))


class PlantedBug:
    """The app, with one contract bug planted in the responses of one path."""

    def __init__(
        self, app: FastAPI, path: str, *, status: int | None = None, swap: tuple[bytes, bytes]
    ) -> None:
        self.app, self.path, self.status, self.swap = app, path, status, swap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return

        async def send_broken(message: Message) -> None:
            if message["type"] == "http.response.start" and self.status is not None:
                message = {**message, "status": self.status}
            if message["type"] == "http.response.body":
                # Same length, so Content-Length stays right.
                message = {**message, "body": message.get("body", b"").replace(*self.swap)}
            await send(message)

        await self.app(scope, receive, send_broken)


@pytest.mark.parametrize(
    ("status", "swap", "check"),
    [
        (418, (b"", b""), "status_code_conformance"),
        (None, (b'"healthy"', b'"HEALTHY"'), "response_schema_conformance"),
    ],
    ids=["undocumented-status", "body-off-schema"],
)
def test_the_fuzzer_reports_a_planted_contract_bug(
    fuzzed_settings: Settings,
    admin_token: str,
    status: int | None,
    swap: tuple[bytes, bytes],
    check: str,
) -> None:
    planted = PlantedBug(create_app(fuzzed_settings), "/health", status=status, swap=swap)

    report = fuzz(planted, bearer_token=admin_token, operation_id="get_health")

    assert report.stop_reason is StopReason.COMPLETED
    assert any(f"GET /health: {check}:" in line for line in report.failures), report.failures
