"""The worker processes of a `python -m app serve --workers N`, and a way to choose one.

Workers share one listening socket: whichever calls accept() first gets a connection,
so which worker answers is up to the kernel. To know, the tests pause every other
worker (SIGSTOP): a stopped process cannot accept, so the one left running answers
every connection opened meanwhile. A pause stays far below uvicorn's health check
(a worker silent for 5 s is killed and replaced).
"""

import json
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .served_app import Response, ServedApp, read_response, send_request, start, stop

STATE_DEADLINE_SECONDS = 5.0
READY_DEADLINE_SECONDS = 60.0
HEALTH_TIMEOUT_SECONDS = 1.0
# What multiprocessing's spawn start method runs; its resource tracker runs something else.
WORKER_COMMAND = b"from multiprocessing.spawn import spawn_main"


@contextmanager
def serving_workers(
    database_url: str, log_path: Path, workers: int, **settings: str
) -> Iterator[tuple[ServedApp, list[int]]]:
    """`serve --workers` with `settings`, once every worker answers; its log in `log_path`."""
    with log_path.open("w+b") as log:
        app = start(database_url, log, "--workers", str(workers), **settings)
        try:
            yield app, wait_until_every_worker_serves(app, workers)
        finally:
            stop(app)


def worker_pids(app: ServedApp) -> list[int]:
    """The server's worker processes: its children started by multiprocessing's spawn."""
    children = Path(f"/proc/{app.process.pid}/task/{app.process.pid}/children")
    if not children.exists():
        pytest.fail("no /proc/<pid>/task/<pid>/children: worker processes cannot be found")
    pids = [int(pid) for pid in children.read_text().split()]
    return sorted(pid for pid in pids if WORKER_COMMAND in _command_line(pid))


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def _state(pid: int) -> str | None:
    """The process's state letter; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    # The state follows the command name, which is in parentheses and may hold spaces.
    return stat.rpartition(")")[2].split()[0]


def _signal(pid: int, signum: int) -> bool:
    """Send `signum`; False when the process is gone (uvicorn replaced a worker meanwhile)."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return False
    return True


def _wait_for_state(pid: int, stopped: bool) -> None:
    deadline = time.monotonic() + STATE_DEADLINE_SECONDS
    while (state := _state(pid)) is not None and (state == "T") != stopped:
        if time.monotonic() > deadline:
            pytest.fail(f"worker {pid} did not {'stop' if stopped else 'resume'}: {_state(pid)}")
        time.sleep(0.005)


@contextmanager
def only(worker: int, workers: list[int]) -> Iterator[None]:
    """Every connection opened inside is accepted and answered by `worker`."""
    others = [pid for pid in workers if pid != worker]
    try:
        others = [pid for pid in others if _signal(pid, signal.SIGSTOP)]
        for pid in others:
            _wait_for_state(pid, stopped=True)
        yield
    finally:
        for pid in others:
            _signal(pid, signal.SIGCONT)
        for pid in others:
            _wait_for_state(pid, stopped=False)


def wait_until_every_worker_serves(app: ServedApp, count: int) -> list[int]:
    """The `count` workers, once each of them has answered /health on its own."""
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while len(workers := worker_pids(app)) < count:
        _check_running(app, deadline, f"{len(workers)} of {count} workers started")
        time.sleep(0.05)
    # Listed again on every pass: uvicorn may replace a worker meanwhile (one it found dead,
    # or one that missed its health check while starting on a busy machine).
    served: set[int] = set()
    while True:
        workers = worker_pids(app)
        assert len(workers) <= count, f"more workers than asked for: {workers}"
        waiting = [worker for worker in workers if worker not in served]
        if len(workers) == count and not waiting:
            return workers
        _check_running(app, deadline, f"workers {waiting} never answered /health")
        for worker in waiting:
            # Briefly: a worker still starting up must not keep the others stopped for long.
            with only(worker, workers):
                if _answers_health(app):
                    served.add(worker)
        time.sleep(0.05)


def _check_running(app: ServedApp, deadline: float, problem: str) -> None:
    if app.process.poll() is not None:
        pytest.fail(f"serve exited with {app.process.returncode}:\n{app.output()}")
    if time.monotonic() > deadline:
        pytest.fail(f"{problem} within {READY_DEADLINE_SECONDS} s:\n{app.output()}")


def _answers_health(app: ServedApp) -> bool:
    try:
        with app.connect() as sock:
            sock.settimeout(HEALTH_TIMEOUT_SECONDS)
            send_request(sock, "GET", "/health")
            return read_response(sock).status == 200
    except OSError:
        return False


def register_in_turn(
    app: ServedApp, workers: list[int], *, batch: int, batches: int, client: str
) -> dict[int, list[Response]]:
    """Registrations from `client`, each on a new connection, `batch` per worker in turn."""
    answered: dict[int, list[Response]] = {worker: [] for worker in workers}
    for number in range(batches):
        worker = workers[number % len(workers)]
        with only(worker, workers):
            for email in range(number * batch, (number + 1) * batch):
                answered[worker].append(_register(app, f"in-turn-{email}@example.com", client))
    return answered


def _register(app: ServedApp, email: str, client: str) -> Response:
    body = json.dumps({"email": email, "password": "a fine passphrase"}).encode()
    with app.connect(client) as sock:
        headers = {"Content-Type": "application/json"}
        send_request(sock, "POST", "/api/v1/auth/register", headers, body)
        return read_response(sock)
