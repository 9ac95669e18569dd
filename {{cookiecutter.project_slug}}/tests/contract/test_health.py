"""GET /health (liveness) and GET /health/ready (the database can serve this release)."""

{% if cookiecutter.db_driver == "postgresql" -%}
import asyncio
import time
{% endif -%}
from pathlib import Path

import httpx
{%- if cookiecutter.db_driver == "postgresql" %}
import psycopg
{%- endif %}
from pydantic import SecretStr

from app.infrastructure.config import Settings
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.database_url import parse_database_url
from app.infrastructure.db.postgresql_connection import libpq_parameters
{%- endif %}

from .helpers import assert_envelope, running_client

PROJECT_NAME = {{ cookiecutter.project_name | tojson }}


async def test_health_reports_name_and_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "healthy", "service": PROJECT_NAME, "version": "0.1.0"}


async def test_head_health_is_200_without_a_body(client: httpx.AsyncClient) -> None:
    """Some load balancers probe with HEAD."""
    response = await client.head("/health")

    assert response.status_code == 200
    assert response.content == b""


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {
            "database_reachable": "ok",
            "schema_migrated": "ok",
            "database_writable": "ok",
        },
{%- if cookiecutter.db_driver == "sqlite" and cookiecutter.use_redis == "false" %}
        "dependencies": {},
{%- else %}
        "dependencies": {
{%- if cookiecutter.db_driver == "postgresql" %}
            "read_replica": "not_configured",
{%- endif %}
{%- if cookiecutter.use_redis == "true" %}
            "redis": "ok",
{%- endif %}
        },
{%- endif %}
    }


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
    assert error["details"]["checks"] == {
        "database_reachable": "failed",
        "schema_migrated": "not_checked",
        "database_writable": "not_checked",
    }
    assert alive.status_code == 200  # liveness never touches the database
{%- if cookiecutter.db_driver == "postgresql" %}


WARM_CONNECTIONS = 4
POLL_ATTEMPTS = 500


def _terminate_the_apps_connections(database_url: str) -> int:
    """What a server restart or failover does to the pool: every backend is killed."""
    parameters = libpq_parameters(parse_database_url(database_url))
    with psycopg.connect(**parameters, autocommit=True) as admin:
        others = (
            "FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        terminated = admin.execute(f"SELECT pg_terminate_backend(pid) {others}").fetchall()
        # pg_terminate_backend only signals: wait until the backends are really gone.
        for _ in range(POLL_ATTEMPTS):
            remaining = admin.execute(f"SELECT count(*) {others}").fetchone()
            if remaining is not None and remaining[0] == 0:
                break
            time.sleep(0.01)
    return sum(1 for (done,) in terminated if done)


async def test_ready_recovers_after_the_database_drops_every_connection(
    settings: Settings,
) -> None:
    """Each broken pooled connection costs at most one 503 (never a 500), then readiness is back."""
    async with running_client(settings) as client:
        warm = await asyncio.gather(*(client.get("/health/ready") for _ in range(WARM_CONNECTIONS)))
        assert [response.status_code for response in warm] == [200] * WARM_CONNECTIONS
        terminated = await asyncio.to_thread(
            _terminate_the_apps_connections, settings.database_url.get_secret_value()
        )
        answers = [await client.get("/health/ready")]
        while answers[-1].status_code != 200 and len(answers) <= settings.database_pool_size:
            answers.append(await client.get("/health/ready"))

    assert terminated >= 1
    for response in answers:
        assert response.status_code in (200, 503), response.text
        if response.status_code == 503:
            assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
            assert int(response.headers["Retry-After"]) >= 1
    assert answers[-1].status_code == 200, [response.status_code for response in answers]
{%- endif %}
