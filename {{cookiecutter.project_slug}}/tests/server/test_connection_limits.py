"""Unauthenticated clients cannot hold the server's memory or connections.

Each test runs against `python -m app serve` with both HTTP implementations (h11 and
httptools), over real sockets; tests/server/conftest.py sets the short limits.
"""

import json
import socket
import time

from .conftest import (
    HEADER_TIMEOUT_SECONDS,
    KEEP_ALIVE_TIMEOUT_SECONDS,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
)
from .served_app import (
    ServedApp,
    assert_server_answer,
    is_closed,
    read_response,
    seconds_until_closed,
    send_request,
)

FLOOD_CONNECTIONS = 5
FLOOD_BYTES = 4 * 1024 * 1024
# The flood is 20 MiB; a server that keeps it grows by at least that much.
MAX_GROWTH_BYTES = 8 * 1024 * 1024
# Generous: the machine running the tests may be busy.
MARGIN_SECONDS = 3.0
REFRESH = "/api/v1/auth/refresh"
HELD_BODY = json.dumps({"refresh_token": "not-a-token"}).encode().ljust(64)


def _flood(sock: socket.socket) -> None:
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Flood: ")
    chunk = b"a" * 65536
    try:
        for _ in range(FLOOD_BYTES // len(chunk)):
            sock.sendall(chunk)
    except OSError:
        pass  # the server hung up, as it should


def test_a_header_block_over_the_cap_is_refused(served: ServedApp) -> None:
    with served.connect() as sock:
        send_request(sock, "GET", "/health", {"X-Padding": "a" * (MAX_HEADER_BYTES + 1)})
        assert_server_answer(read_response(sock), 431, "REQUEST_HEADER_FIELDS_TOO_LARGE")
        assert seconds_until_closed(sock, within=MARGIN_SECONDS) is not None

    padding = "a" * (MAX_HEADER_BYTES // 2)
    assert served.request("GET", "/health", {"X-Padding": padding}).status == 200


def test_an_endless_header_is_cut_off_without_growing_the_server(served: ServedApp) -> None:
    before = served.rss_bytes()
    sockets = [served.connect() for _ in range(FLOOD_CONNECTIONS)]
    try:
        for sock in sockets:
            _flood(sock)
        closed = [seconds_until_closed(sock, within=MARGIN_SECONDS) for sock in sockets]
        # Measured while the flooding clients are still connected.
        grown = served.rss_bytes() - before
    finally:
        for sock in sockets:
            sock.close()

    assert None not in closed, f"connections still open: {closed}"
    assert grown < MAX_GROWTH_BYTES, f"the server grew by {grown / 2**20:.1f} MiB"


TRICKLING = ("trickling", "reused")
UNFINISHED_HEADERS = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: "


def _holding_connections(served: ServedApp) -> dict[str, socket.socket]:
    """Connections that hold a server without ever completing a request: a silent one,
    a trickling header, a trickling header after a first request, an idle keep-alive."""
    idle, reused = served.connect(), served.connect()
    for sock in (idle, reused):
        send_request(sock, "GET", "/health")
        assert read_response(sock).status == 200
    trickling = served.connect()
    for sock in (trickling, reused):
        sock.sendall(UNFINISHED_HEADERS)
    return {"silent": served.connect(), "trickling": trickling, "idle": idle, "reused": reused}


def test_connections_that_hold_without_a_request_are_closed(
    servers: dict[str, ServedApp],
) -> None:
    """Both implementations at once: the clocks of both run in the same second."""
    connections = {
        (implementation, kind): sock
        for implementation, served in servers.items()
        for kind, sock in _holding_connections(served).items()
    }
    closed_after: dict[tuple[str, str], float] = {}
    started = time.monotonic()
    try:
        while len(closed_after) < len(connections) and time.monotonic() - started < 5:
            for key, sock in connections.items():
                if key in closed_after:
                    continue
                try:
                    if key[1] in TRICKLING:
                        # One byte of a header value at a time: never a complete request.
                        sock.send(b"x")
                    closed = is_closed(sock)
                except OSError:
                    closed = True
                if closed:
                    closed_after[key] = time.monotonic() - started
            time.sleep(0.1)
    finally:
        for sock in connections.values():
            sock.close()

    assert set(closed_after) == set(connections), f"closed only: {closed_after}"
    header_bound = HEADER_TIMEOUT_SECONDS + MARGIN_SECONDS
    bounds = {"silent": header_bound, "trickling": header_bound, "reused": header_bound}
    bounds["idle"] = KEEP_ALIVE_TIMEOUT_SECONDS + MARGIN_SECONDS
    late = {key: after for key, after in closed_after.items() if after > bounds[key[1]]}
    assert late == {}


def test_connections_beyond_the_cap_are_refused_at_once(served: ServedApp) -> None:
    held: list[socket.socket] = []
    try:
        for _ in range(MAX_CONNECTIONS):
            sock = served.connect()
            # Headers complete, body never sent: the app holds these, not the header clock.
            headers = {"Content-Type": "application/json", "Content-Length": str(len(HELD_BODY))}
            send_request(sock, "POST", REFRESH, headers)
            held.append(sock)
        with served.connect() as extra:
            refused = read_response(extra)
        assert not any(is_closed(sock) for sock in held)
        # The service still answers at the cap: a held request, completed, gets its answer.
        held[0].sendall(HELD_BODY)
        completed = read_response(held[0])
    finally:
        for sock in held:
            sock.close()

    assert_server_answer(refused, 503, "SERVICE_UNAVAILABLE")
    assert refused.headers["retry-after"] == "1"
    assert completed.status == 401
    deadline = time.monotonic() + MARGIN_SECONDS
    while served.request("GET", "/health").status != 200:
        assert time.monotonic() < deadline, "the server did not recover after the flood"
        time.sleep(0.05)
