"""A real `python -m app serve` process, and raw HTTP/1.1 over sockets to talk to it.

Raw sockets, because what is tested is what an HTTP client library hides: headers
that never end, bytes that trickle, connections that stay open.
"""

import json
import os
import re
import secrets
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn
from unittest.mock import ANY

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTUP_DEADLINE_SECONDS = 60.0
IO_TIMEOUT_SECONDS = 5.0
REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def missing_prerequisite(reason: str) -> NoReturn:
    # Locally a platform without it skips; in CI it must not go unnoticed.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: these tests may not be skipped)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class ServedApp:
    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]

    def connect(self, source: str = "127.0.0.1") -> socket.socket:
        return socket.create_connection(
            ("127.0.0.1", self.port), timeout=IO_TIMEOUT_SECONDS, source_address=(source, 0)
        )

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Response:
        with self.connect() as sock:
            send_request(sock, method, path, headers, body)
            return read_response(sock)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def rss_bytes(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status")
        if not status.exists():
            missing_prerequisite("no /proc: the server's memory cannot be measured")
        line = next(row for row in status.read_text().splitlines() if row.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024


def start(database_url: str, log: IO[bytes], *args: str, **settings: str) -> ServedApp:
    """Start serving; `wait_until_serving` waits for it (start several, then wait)."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "local",
        "DATABASE_URL": database_url,
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "BCRYPT_ROUNDS": "4",
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return ServedApp(process, port, log)


def wait_until_serving(app: ServedApp) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            pytest.fail(f"serve exited with {app.process.returncode}:\n{app.output()}")
        try:
            if app.request("GET", "/health").status == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"serve did not answer /health within {STARTUP_DEADLINE_SECONDS} s")


def stop(app: ServedApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait()


def send_request(
    sock: socket.socket,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> None:
    fields = {"Host": "localhost", **(headers or {})}
    if body:
        fields.setdefault("Content-Length", str(len(body)))
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    sock.sendall(f"{method} {path} HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body)


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers


def parse_responses(data: bytes) -> list[Response]:
    """Every response in bytes read off a connection until it closed, in order."""
    responses = []
    while data:
        head, separator, rest = data.partition(b"\r\n\r\n")
        assert separator, f"an incomplete response: {data!r}"
        status, headers = _parse_head(head)
        length = int(headers.get("content-length", "0"))
        responses.append(Response(status, headers, rest[:length]))
        data = rest[length:]
    return responses


def assert_server_answer(response: Response, status: int, code: str) -> None:
    """What every response the server layer writes itself carries, as the app's do."""
    assert response.status == status
    assert json.loads(response.body) == {"error": {"code": code, "message": ANY, "details": {}}}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])
    assert response.headers["connection"] == "close"


def read_response(sock: socket.socket) -> Response:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a complete response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, headers = _parse_head(head)
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Response(status, headers, body)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it hangs up (within the socket's timeout)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def is_closed(sock: socket.socket) -> bool:
    """True once the server has closed its end; unread response bytes are discarded."""
    try:
        while select.select([sock], [], [], 0)[0]:
            if not sock.recv(65536):
                return True
    except OSError:
        return True
    return False


def seconds_until_closed(sock: socket.socket, within: float) -> float | None:
    """How long the server took to close the connection, or None if it kept it `within`."""
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < within:
        if is_closed(sock):
            return elapsed
        time.sleep(0.02)
    return None
