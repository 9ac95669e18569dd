"""SIGTERM ends `python -m app serve` within SHUTDOWN_TIMEOUT_SECONDS, whatever clients do."""

import signal
import subprocess

import pytest

from .conftest import SHUTDOWN_TIMEOUT_SECONDS
from .served_app import ServedApp, read_response, send_request

MARGIN_SECONDS = 10


def test_sigterm_does_not_wait_for_a_request_that_never_finishes(
    server_to_stop: ServedApp,
) -> None:
    with server_to_stop.connect() as sock:
        headers = {
            "Content-Type": "application/json",
            "Content-Length": "64",
            "Expect": "100-continue",
        }
        send_request(sock, "POST", "/api/v1/auth/refresh", headers)
        # 100 Continue: the app is inside the request, waiting for a body that never comes.
        assert read_response(sock).status == 100
        server_to_stop.process.send_signal(signal.SIGTERM)
        try:
            server_to_stop.process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS + MARGIN_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"serve still running {MARGIN_SECONDS} s past its shutdown timeout")
