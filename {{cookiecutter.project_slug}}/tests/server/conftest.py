"""Served processes for the whole package, started together: one per HTTP implementation
with short limits (the tests wait fractions of a second, not the defaults), one per HTTP
implementation with a short body timeout and slow password hashing, and one for the test
that stops it.
"""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from app.infrastructure.config import DATABASE_DRIVER
from app.infrastructure.db.migrate import apply_migrations

from .served_app import ServedApp, start, stop, wait_until_serving

IMPLEMENTATIONS = ("h11", "httptools")
MAX_HEADER_BYTES = 8192
MAX_CONNECTIONS = 16
HEADER_TIMEOUT_SECONDS = 0.5
KEEP_ALIVE_TIMEOUT_SECONDS = 1
LOGIN_RATE_LIMIT = 2
SHUTDOWN_TIMEOUT_SECONDS = 1
# Bodies: a handler that hashes a password (cost 13, about half a second) outlasts the
# body timeout, and the connection cap is small enough to fill in a test.
BODY_TIMEOUT_SECONDS = 0.2
BODY_BOUND_MAX_CONNECTIONS = 8
SLOW_BCRYPT_ROUNDS = 13
BODY_BOUND = "body-bound"
TO_STOP = "to-stop"
LIMITS = {
    "HTTP_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
    "HTTP_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    "HTTP_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT_SECONDS),
    "HTTP_KEEP_ALIVE_TIMEOUT_SECONDS": str(KEEP_ALIVE_TIMEOUT_SECONDS),
    "LOGIN_RATE_LIMIT_PER_MINUTE": str(LOGIN_RATE_LIMIT),
    "FORWARDED_ALLOW_IPS": "127.0.0.1",
}
BODY_LIMITS = {
    "HTTP_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT_SECONDS),
    "HTTP_MAX_CONNECTIONS": str(BODY_BOUND_MAX_CONNECTIONS),
    "BCRYPT_ROUNDS": str(SLOW_BCRYPT_ROUNDS),
}


@pytest.fixture(scope="package")
def served_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated database that outlives single tests, as a running server's does."""
    if DATABASE_DRIVER == "postgresql":
        url: str = request.getfixturevalue("_session_database")
        return url
    url = f"sqlite:///{tmp_path_factory.mktemp('served') / 'app.db'}"
    apply_migrations(url)
    return url


@pytest.fixture(scope="package")
def launched(
    served_database_url: str,
{%- if cookiecutter.use_redis == "true" %}
    redis_server_url: str,
{%- endif %}
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, ServedApp]]:
    """Every server the package needs, started at once (starting one takes seconds)."""
    logs = tmp_path_factory.mktemp("serve-logs")
    options: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {}
    for name in IMPLEMENTATIONS:
        options[name] = (("--http", name), LIMITS)
        options[f"{BODY_BOUND}-{name}"] = (("--http", name), BODY_LIMITS)
    options[TO_STOP] = ((), {"SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN_TIMEOUT_SECONDS)})
    with ExitStack() as stack:
        started = {}
        for name, (args, settings) in options.items():
            log = stack.enter_context((logs / f"{name}.log").open("w+b"))
{%- if cookiecutter.use_redis == "true" %}
            # One Redis for all; its own APP_NAME (the key prefix) keeps each server's counts.
            settings = {**settings, "REDIS_URL": redis_server_url, "APP_NAME": f"served-{name}"}
{%- endif %}
            started[name] = start(served_database_url, log, *args, **settings)
            stack.callback(stop, started[name])
        yield started


@pytest.fixture(scope="package")
def servers(launched: dict[str, ServedApp]) -> dict[str, ServedApp]:
    """The servers with short limits, by HTTP implementation."""
    for name in IMPLEMENTATIONS:
        wait_until_serving(launched[name])
    return {name: launched[name] for name in IMPLEMENTATIONS}


@pytest.fixture(params=IMPLEMENTATIONS)
def served(request: pytest.FixtureRequest, servers: dict[str, ServedApp]) -> ServedApp:
    app: ServedApp = servers[request.param]
    return app


@pytest.fixture(scope="package")
def body_bound_servers(launched: dict[str, ServedApp]) -> dict[str, ServedApp]:
    """The servers with a short body timeout and slow hashing, by HTTP implementation."""
    for name in IMPLEMENTATIONS:
        wait_until_serving(launched[f"{BODY_BOUND}-{name}"])
    return {name: launched[f"{BODY_BOUND}-{name}"] for name in IMPLEMENTATIONS}


@pytest.fixture
def server_to_stop(launched: dict[str, ServedApp]) -> ServedApp:
    """A server of its own for a test that ends it, with a short shutdown timeout."""
    wait_until_serving(launched[TO_STOP])
    return launched[TO_STOP]
