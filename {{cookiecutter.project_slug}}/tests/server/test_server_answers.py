"""What the server layer answers itself, where the app cannot, keeps the app's contract:
the error envelope, nosniff and a request id, and the connection is closed after it.

The 431 and the 503 at the connection cap are checked in test_connection_limits.py,
the 408 for a late body in test_request_body_deadline.py.
"""

import pytest

from .served_app import ServedApp, assert_server_answer, parse_responses, read_until_closed

MALFORMED = {
    "NUL in a header": b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-A: a\x00b\r\n\r\n",
    "two lengths": (
        b"POST /health HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"
    ),
    "garbage request line": b"\x01\x02 garbage\r\n\r\n",
    # The app is already waiting for this body: its own answer must not follow ours.
    "bad chunk": (
        b"POST /api/v1/auth/register HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    ),
}


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED)
def test_a_malformed_request_is_answered_400_in_the_envelope(
    served: ServedApp, request_bytes: bytes
) -> None:
    with served.connect() as sock:
        sock.sendall(request_bytes)
        responses = parse_responses(read_until_closed(sock))

    assert len(responses) == 1
    assert_server_answer(responses[0], 400, "BAD_REQUEST")


def test_headers_that_do_not_arrive_in_time_are_answered_408(
    servers: dict[str, ServedApp],
) -> None:
    """Both implementations at once: the clocks of both run in the same second."""
    sockets = {name: served.connect() for name, served in servers.items()}
    try:
        for sock in sockets.values():
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        received = {name: read_until_closed(sock) for name, sock in sockets.items()}
    finally:
        for sock in sockets.values():
            sock.close()

    for data in received.values():
        responses = parse_responses(data)
        assert len(responses) == 1
        assert_server_answer(responses[0], 408, "REQUEST_TIMEOUT")
