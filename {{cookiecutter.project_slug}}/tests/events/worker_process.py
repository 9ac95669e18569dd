"""A real `python -m app relay-events | consume-events` process, to run, stop or kill.

Each worker logs to a file of its own in the test's tmp_path; `output()` is what a
failing test prints. SIGKILL is what a crash, the OOM killer or a lost node does:
the process gets no chance to finish what it was doing.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXIT_DEADLINE_SECONDS = 30.0
# The same key for every worker and server of one test: tokens cross processes.
SHARED_JWT_SECRET_KEY = secrets.token_urlsafe(48)


@dataclass
class WorkerProcess:
    command: str
    process: "subprocess.Popen[bytes]"
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL, then reap it: nothing after this point of its work happens."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(EXIT_DEADLINE_SECONDS)

    def stop(self) -> int:
        """SIGTERM, as a deploy does; the exit status once it has gone."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait()

    def wait(self) -> int:
        try:
            return self.process.wait(EXIT_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(
                f"{self.command} did not exit within {EXIT_DEADLINE_SECONDS} s:\n{self.output()}"
            )


def worker_environment(database_url: str, **settings: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "local",
        "DATABASE_URL": database_url,
        "JWT_SECRET_KEY": SHARED_JWT_SECRET_KEY,
        "BCRYPT_ROUNDS": "4",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "console",
        **settings,
    }


def start_worker(
    command: str, database_url: str, log_path: Path, *args: str, **settings: str
) -> WorkerProcess:
    """Start `python -m app <command> <args>` with `settings` on top of the test defaults."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", command, *args],
            cwd=PROJECT_ROOT,
            env=worker_environment(database_url, **settings),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return WorkerProcess(command, process, log_path)


def wait_for(
    condition: Callable[[], bool], what: str, within: float, *workers: WorkerProcess
) -> None:
    """Poll `condition` until it holds; fail with the workers' logs if it never does."""
    deadline = time.monotonic() + within
    while not condition():
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(
                    f"{worker.command} exited with {worker.process.returncode} before {what}:"
                    f"\n{worker.output()}"
                )
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {worker.command}\n{worker.output()}" for worker in workers)
            pytest.fail(f"not {what} within {within} s\n{logs}")
        time.sleep(0.02)


class WorkerGroup:
    """The workers of one test, each logging to a file of its own; `kill_all` at the end
    takes down whatever a failed test left running, before the next test's database."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._started: list[WorkerProcess] = []

    def start(self, command: str, database_url: str, *args: str, **settings: str) -> WorkerProcess:
        log_path = self._log_dir / f"{command}-{len(self._started)}.log"
        worker = start_worker(command, database_url, log_path, *args, **settings)
        self._started.append(worker)
        return worker

    def kill_all(self) -> None:
        for worker in self._started:
            if worker.process.poll() is None:
                worker.kill()
