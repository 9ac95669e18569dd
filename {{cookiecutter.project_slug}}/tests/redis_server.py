"""A throwaway redis-server for the tests, from the local binary.

It listens on 127.0.0.1 only, on a free port, keeps nothing on disk (no RDB
snapshot, no append-only file) and works in its own temporary directory; it
is stopped and the directory removed when the tests are done with it (by a
detached guard process if the session is killed first). Tests that stop or
freeze a server start one of their own, so the session's keeps serving the rest.
"""

import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
import redis

START_TIMEOUT_SECONDS = 10.0
START_ATTEMPTS = 3
STOP_TIMEOUT_SECONDS = 10.0
# Generous: fixtures talk to the server outside the service's own bound.
ADMIN_TIMEOUT_SECONDS = 5.0


class RedisServerUnavailableError(RuntimeError):
    """No redis-server can be started here; the message says why."""


@dataclass(frozen=True, slots=True)
class RedisServer:
    process: "subprocess.Popen[bytes]"
    base_dir: Path
    port: int
    guard: "subprocess.Popen[bytes]"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def no_redis(reason: str) -> NoReturn:
    # Locally a missing server skips the Redis tests; in CI it must not go unnoticed.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: Redis tests may not be skipped)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def admin_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=ADMIN_TIMEOUT_SECONDS, socket_connect_timeout=ADMIN_TIMEOUT_SECONDS
    )


def ping_problem(url: str) -> str | None:
    """None when `url` answers PING, else why not (host and port at most, never a password)."""
    try:
        with admin_client(url) as client:
            client.ping()
    except (redis.RedisError, ValueError) as error:
        return type(error).__name__
    return None


def flush(url: str) -> None:
    with admin_client(url) as client:
        client.flushdb()


def _launch(binary: str, base_dir: Path, port: int) -> "subprocess.Popen[bytes]":
    options = {
        "bind": "127.0.0.1",
        "port": str(port),
        "dir": str(base_dir),
        # Nothing to keep: no snapshot, no append-only file.
        "save": "",
        "appendonly": "no",
        "daemonize": "no",  # our child, so that its pid is the server's
    }
    command = [binary, *(part for name, value in options.items() for part in (f"--{name}", value))]
    log = (base_dir / "redis.log").open("ab")
    try:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    finally:
        log.close()


def _wait_until_it_answers(process: "subprocess.Popen[bytes]", url: str) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False  # it exited: most likely the port was taken meanwhile
        if ping_problem(url) is None:
            return True
        time.sleep(0.02)
    return False


def _guard(process: "subprocess.Popen[bytes]", base_dir: Path) -> "subprocess.Popen[bytes]":
    """A detached shell that ends the server once this process has gone."""
    script = (
        f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
        f"kill -CONT {process.pid} 2>/dev/null; kill -KILL {process.pid} 2>/dev/null; "
        f"rm -rf {shlex.quote(str(base_dir))}"
    )
    return subprocess.Popen(
        ["/bin/sh", "-c", script],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # outlives a kill of our process group
    )


def start_server() -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisServerUnavailableError(
            "redis-server not found on PATH; install the redis-server package or set TEST_REDIS_URL"
        )
    base_dir = Path(tempfile.mkdtemp(prefix="pytest-redis-"))
    for _ in range(START_ATTEMPTS):
        port = free_port()
        process = _launch(binary, base_dir, port)
        if _wait_until_it_answers(process, f"redis://127.0.0.1:{port}/0"):
            return RedisServer(process, base_dir, port, _guard(process, base_dir))
        process.kill()
        process.wait()
    log = (base_dir / "redis.log").read_text(errors="replace")[-2000:]
    shutil.rmtree(base_dir, ignore_errors=True)
    raise RedisServerUnavailableError(f"redis-server did not start: {log}")


def restart(server: RedisServer) -> RedisServer:
    """Start a stopped `server` again on its port: its clients' URL works once more.

    It comes back empty, as a server without persistence does. Use the server this
    returns from then on (remove_server included): it has a process and guard of its own.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisServerUnavailableError("redis-server is no longer on PATH")
    server.guard.terminate()
    server.guard.wait()
    process = _launch(binary, server.base_dir, server.port)
    if not _wait_until_it_answers(process, server.url):
        process.kill()
        process.wait()
        log = (server.base_dir / "redis.log").read_text(errors="replace")[-2000:]
        raise RedisServerUnavailableError(f"redis-server did not start again: {log}")
    return RedisServer(process, server.base_dir, server.port, _guard(process, server.base_dir))


def stop_process(server: RedisServer) -> None:
    """What a crash or an operator's stop does to clients: the server is gone."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
        server.process.terminate()
        try:
            server.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def remove_server(server: RedisServer) -> None:
    server.guard.terminate()
    server.guard.wait()
    try:
        stop_process(server)
    finally:
        shutil.rmtree(server.base_dir, ignore_errors=True)


@contextmanager
def frozen(server: RedisServer) -> Iterator[None]:
    """The server stops answering but keeps every connection open: a hung host."""
    server.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        server.process.send_signal(signal.SIGCONT)
