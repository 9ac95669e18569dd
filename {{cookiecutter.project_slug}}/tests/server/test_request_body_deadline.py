"""A request's body is due within HTTP_BODY_TIMEOUT_SECONDS of its headers.

Against `python -m app serve` with both HTTP implementations at once, over real
sockets; the body-bound servers (tests/server/conftest.py) keep the default header
timeout of 10 s, so what closes these connections is the body's own deadline.
"""

import json
import socket
import time
import uuid
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .conftest import BODY_BOUND_MAX_CONNECTIONS, BODY_TIMEOUT_SECONDS
from .served_app import (
    ServedApp,
    assert_server_answer,
    parse_responses,
    read_response,
    send_request,
)

# Generous: the machine running the tests may be busy.
MARGIN_SECONDS = 3.0
REGISTER = "/api/v1/auth/register"
# Longer than a client trickling one byte per poll sends before the test gives up.
DECLARED_LENGTH = 1000
JSON = {"Content-Type": "application/json"}
PASSWORD = "quiet-harbour-47-lanterns"


@dataclass
class Watched:
    sock: socket.socket
    trickles: bool
    received: bytes = b""
    closed_after: float | None = None

    def poll(self, elapsed: float) -> None:
        self.sock.setblocking(False)
        try:
            while chunk := self.sock.recv(65536):
                self.received += chunk
        except BlockingIOError:  # nothing more to read, and still open
            if self.trickles:
                self._send_one_byte(elapsed)
            return
        except OSError:
            pass
        self.closed_after = elapsed

    def _send_one_byte(self, elapsed: float) -> None:
        try:
            self.sock.send(b" ")  # of the body, never all of it
        except OSError:
            self.closed_after = elapsed


def _watch_until_closed(watched: Collection[Watched], within: float) -> None:
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < within:
        still_open = [w for w in watched if w.closed_after is None]
        if not still_open:
            return
        for connection in still_open:
            connection.poll(elapsed)
        time.sleep(0.05)


def _post_headers(served: ServedApp, headers: dict[str, str], body_start: bytes) -> socket.socket:
    sock = served.connect()
    send_request(sock, "POST", REGISTER, {**JSON, **headers})
    sock.sendall(body_start)
    return sock


def _late_bodies(served: ServedApp) -> dict[str, Watched]:
    declared = {"Content-Length": str(DECLARED_LENGTH)}
    # Over MAX_REQUEST_BODY_BYTES: the app answers 413 before the body, which then trickles.
    too_large = _post_headers(served, {"Content-Length": str(2**21)}, b"{")
    assert read_response(too_large).status == 413
    return {
        "trickling": Watched(_post_headers(served, declared, b"{"), trickles=True),
        "never sent": Watched(_post_headers(served, declared, b"{"), trickles=False),
        "no chunk": Watched(_post_headers(served, {"Transfer-Encoding": "chunked"}, b""), False),
        "answered early": Watched(too_large, trickles=True),
    }


def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_closes(
    body_bound_servers: dict[str, ServedApp],
) -> None:
    watched = {
        (implementation, kind): connection
        for implementation, served in body_bound_servers.items()
        for kind, connection in _late_bodies(served).items()
    }
    try:
        _watch_until_closed(watched.values(), within=BODY_TIMEOUT_SECONDS + MARGIN_SECONDS)
    finally:
        for connection in watched.values():
            connection.sock.close()

    still_open = [key for key, connection in watched.items() if connection.closed_after is None]
    assert still_open == []
    for (_, kind), connection in watched.items():
        responses = parse_responses(connection.received)
        if kind == "answered early":
            assert responses == [], "nothing may follow the 413 the client already has"
        else:
            assert len(responses) == 1
            assert_server_answer(responses[0], 408, "REQUEST_TIMEOUT")


def test_a_cap_full_of_late_bodies_frees_itself(
    body_bound_servers: dict[str, ServedApp],
) -> None:
    held = {}
    for implementation, served in body_bound_servers.items():
        for n in range(BODY_BOUND_MAX_CONNECTIONS):
            held[implementation, n] = Watched(served.connect(), trickles=False)
            # The headers all but their last line break: their clock is the long one.
            held[implementation, n].sock.sendall(
                f"POST {REGISTER} HTTP/1.1\r\nHost: localhost\r\n"
                f"Content-Type: application/json\r\nContent-Length: {DECLARED_LENGTH}\r\n".encode()
            )
    try:
        for served in body_bound_servers.values():
            with served.connect() as extra:
                assert read_response(extra).status == 503, "the cap is not full"
        for connection in held.values():
            connection.sock.sendall(b"\r\n{")  # headers complete, one byte of the body
        _watch_until_closed(held.values(), within=BODY_TIMEOUT_SECONDS + MARGIN_SECONDS)
        statuses = {
            name: served.request("GET", "/health").status
            for name, served in body_bound_servers.items()
        }
    finally:
        for connection in held.values():
            connection.sock.close()

    assert [key for key, connection in held.items() if connection.closed_after is None] == []
    assert statuses == {name: 200 for name in body_bound_servers}


@dataclass(frozen=True)
class Exchange:
    registered: int
    took: float
    then: int


def _register_then_ask_again(served: ServedApp) -> Exchange:
    body = json.dumps({"email": f"{uuid.uuid4().hex}@example.com", "password": PASSWORD})
    with served.connect() as sock:
        send_request(sock, "POST", REGISTER, JSON, body.encode())
        sent = time.monotonic()
        registered = read_response(sock).status
        took = time.monotonic() - sent
        # Past the body timeout, within the keep-alive timeout: the same connection.
        time.sleep(2 * BODY_TIMEOUT_SECONDS)
        send_request(sock, "GET", "/health")
        return Exchange(registered, took, read_response(sock).status)


def test_the_clock_stops_once_the_body_has_arrived(
    body_bound_servers: dict[str, ServedApp],
) -> None:
    """Hashing the password (cost 13) takes longer than the body timeout, and that time
    is the server's, not the client's; nor does a finished request's clock end the
    kept-alive connection."""
    with ThreadPoolExecutor() as pool:
        running = {
            name: pool.submit(_register_then_ask_again, app)
            for name, app in body_bound_servers.items()
        }
        exchanges = {name: exchange.result() for name, exchange in running.items()}

    fast = {name: e.took for name, e in exchanges.items() if e.took <= BODY_TIMEOUT_SECONDS}
    assert fast == {}, "the handler did not outlast the body timeout: raise SLOW_BCRYPT_ROUNDS"
    assert {name: (e.registered, e.then) for name, e in exchanges.items()} == {
        name: (201, 200) for name in body_bound_servers
    }
