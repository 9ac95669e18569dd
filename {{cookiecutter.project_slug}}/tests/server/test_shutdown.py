"""SIGTERM ends `python -m app serve` within SHUTDOWN_TIMEOUT_SECONDS, whatever clients do,
and a request still in the app then is answered 503 in the envelope, not uvicorn's 500."""

import json
import signal
import subprocess
from unittest.mock import ANY

import pytest

from .conftest import SHUTDOWN_TIMEOUT_SECONDS
from .served_app import REQUEST_ID, ServedApp, read_response, send_request

MARGIN_SECONDS = 10


def test_sigterm_answers_a_request_that_never_finishes_503_and_does_not_wait_for_it(
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
        answer = read_response(sock)

    assert answer.status == 503
    assert json.loads(answer.body) == {
        "error": {
            "code": "SERVICE_UNAVAILABLE",
            "message": ANY,
            "details": {"retry_after_seconds": 1},
        }
    }
    assert answer.headers["retry-after"] == "1"
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["connection"] == "close"
    assert REQUEST_ID.fullmatch(answer.headers["x-request-id"])
    server_to_stop.log.seek(0)
    log = server_to_stop.log.read().decode(errors="replace")
    assert "Traceback" not in log
    assert log.count("request cancelled by shutdown") == 1
