"""The limits travel with uvicorn's configuration to every process that serves."""

import pickle

import pytest

from app.server.connection_limits import ConnectionLimits
from app.server.protocol_choice import HTTP_IMPLEMENTATIONS, HttpImplementation, http_protocol
from app.server.server_config import ServerConfig

LIMITS = ConnectionLimits(
    max_connections=3, max_header_bytes=2048, header_timeout_seconds=0.5, body_timeout_seconds=1
)


@pytest.mark.parametrize("implementation", HTTP_IMPLEMENTATIONS)
def test_worker_processes_get_the_same_limits(implementation: HttpImplementation) -> None:
    # WEB_CONCURRENCY workers and the --reload child are spawned with the config pickled.
    protocol = http_protocol(implementation)
    config = ServerConfig("app.main:app", limits=LIMITS, http=protocol, workers=2, log_config=None)

    received = pickle.loads(pickle.dumps(config))  # noqa: S301

    assert received.limits == LIMITS
    assert received.http is protocol
