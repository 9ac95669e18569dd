"""GET /health (liveness) and GET /health/ready (the database answers)."""

from pathlib import Path

import httpx
from pydantic import SecretStr

from app.infrastructure.config import Settings

from .helpers import assert_envelope, running_client

PROJECT_NAME = {{ cookiecutter.project_name | tojson }}


async def test_health_reports_name_and_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "healthy", "service": PROJECT_NAME, "version": "0.1.0"}


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


def _unreachable_database_url(settings: Settings, tmp_path: Path) -> str:
    if settings.database_url.get_secret_value().startswith("postgres"):
        # Port 9 (discard) on localhost: nothing listens there, the connection is refused.
        return "postgresql://nobody:nothing@127.0.0.1:9/nowhere"
    return f"sqlite:///{tmp_path / 'no-such-directory' / 'app.db'}"


async def test_ready_is_503_in_the_envelope_when_the_database_is_unreachable(
    settings: Settings, tmp_path: Path
) -> None:
    broken = settings.model_copy(
        update={"database_url": SecretStr(_unreachable_database_url(settings, tmp_path))}
    )

    async with running_client(broken) as client:
        ready = await client.get("/health/ready")
        alive = await client.get("/health")

    error = assert_envelope(ready, 503, "SERVICE_UNAVAILABLE")
    assert "nothing" not in ready.text  # no connection details, let alone the password
    assert error["details"] == {}
    assert alive.status_code == 200  # liveness never touches the database
