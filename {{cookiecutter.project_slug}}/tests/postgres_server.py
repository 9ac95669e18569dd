"""A throwaway PostgreSQL server for one test session, from the local binaries.

The cluster lives in a private temporary directory, listens on 127.0.0.1 only
(on a free port, with its unix socket in that directory), trusts local
connections, and is stopped and deleted when the session ends (by a detached
guard process if the session is killed before its teardown runs). Durability is
switched off: nothing in it has to survive a crash, and CREATE DATABASE is
much faster without fsync.
"""

import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; this OS account runs it instead.
SERVICE_ACCOUNT = "postgres"
START_TIMEOUT_SECONDS = 60
START_ATTEMPTS = 3
SERVER_OPTIONS = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


@dataclass(frozen=True, slots=True)
class PostgresServer:
    bin_dir: Path
    base_dir: Path
    port: int
    run_as: str | None
    # Stops the cluster if this process dies without tearing down (SIGTERM, SIGKILL).
    guard: "subprocess.Popen[bytes] | None" = None

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin, else the directory of `initdb` on PATH."""
    versioned = [
        path
        for path in Path("/usr/lib/postgresql").glob("*/bin")
        if re.fullmatch(r"\d+(\.\d+)?", path.parent.name) and (path / "initdb").is_file()
    ]
    if versioned:
        return max(versioned, key=lambda path: float(path.parent.name))
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresUnavailableError(
        "PostgreSQL binaries not found (no /usr/lib/postgresql/*/bin and no initdb on PATH); "
        "install the postgresql package or set TEST_DATABASE_URL"
    )


def service_account() -> str | None:
    """The OS user to run PostgreSQL as: None unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        raise PostgresUnavailableError(
            f"running as root, but there is no {SERVICE_ACCOUNT!r} OS user to run PostgreSQL as"
        ) from None
    return SERVICE_ACCOUNT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def as_user(command: list[str], run_as: str | None) -> list[str]:
    if run_as is None:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", run_as, "--", *command]
    return ["su", run_as, "-s", "/bin/sh", "-c", shlex.join(command)]


def run(command: list[str], run_as: str | None) -> None:
    result = subprocess.run(
        as_user(command, run_as),
        capture_output=True,
        text=True,
        check=False,
        timeout=START_TIMEOUT_SECONDS,
        cwd="/",  # the service account may not be allowed into our working directory
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise PostgresUnavailableError(f"{Path(command[0]).name} failed: {output[-2000:]}")


def make_base_dir(run_as: str | None) -> Path:
    base_dir = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    if run_as is not None:
        shutil.chown(base_dir, user=run_as, group=pwd.getpwnam(run_as).pw_gid)
    return base_dir


def init_cluster(bin_dir: Path, data_dir: Path, run_as: str | None) -> None:
    run(
        [
            str(bin_dir / "initdb"),
            "--pgdata",
            str(data_dir),
            "--username",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        ],
        run_as,
    )


def start_cluster(server: PostgresServer) -> None:
    options = [
        f"-p {server.port}",
        f"-k {shlex.quote(str(server.base_dir))}",
        "-c listen_addresses=127.0.0.1",
        *SERVER_OPTIONS,
    ]
    run(
        [
            str(server.bin_dir / "pg_ctl"),
            "--pgdata",
            str(server.data_dir),
            "--log",
            str(server.base_dir / "server.log"),
            "--options",
            " ".join(options),
            "--wait",
            f"--timeout={START_TIMEOUT_SECONDS}",
            "start",
        ],
        server.run_as,
    )


def stop_command(server: PostgresServer) -> list[str]:
    pg_ctl = str(server.bin_dir / "pg_ctl")
    return [pg_ctl, "--pgdata", str(server.data_dir), "-m", "immediate", "-w", "stop"]


def start_guard(server: PostgresServer) -> "subprocess.Popen[bytes]":
    """A detached shell that removes the cluster once this process has gone."""
    script = (
        f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
        f"{shlex.join(as_user(stop_command(server), server.run_as))} >/dev/null 2>&1; "
        f"rm -rf {shlex.quote(str(server.base_dir))}"
    )
    return subprocess.Popen(
        ["/bin/sh", "-c", script],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # outlives a kill of our process group
    )


def start_on_free_port(bin_dir: Path, base_dir: Path, run_as: str | None) -> PostgresServer:
    """Start the cluster; another process may grab the probed port first, so retry."""
    for _ in range(START_ATTEMPTS - 1):
        server = PostgresServer(bin_dir, base_dir, free_port(), run_as)
        try:
            start_cluster(server)
        except PostgresUnavailableError:
            continue
        return server
    server = PostgresServer(bin_dir, base_dir, free_port(), run_as)
    start_cluster(server)
    return server


def start_server() -> PostgresServer:
    bin_dir, run_as = find_bin_dir(), service_account()
    base_dir = make_base_dir(run_as)
    try:
        init_cluster(bin_dir, base_dir / "data", run_as)
        server = start_on_free_port(bin_dir, base_dir, run_as)
    except BaseException:
        shutil.rmtree(base_dir, ignore_errors=True)
        raise
    return replace(server, guard=start_guard(server))


def restart_server(server: PostgresServer) -> None:
    """What an operator's restart does to clients: the server closes every connection."""
    pg_ctl = str(server.bin_dir / "pg_ctl")
    log = str(server.base_dir / "server.log")
    # --log: without it the new postmaster would hold our output pipe open for good.
    command = [pg_ctl, "--pgdata", str(server.data_dir), "--log", log, "-m", "fast", "-w"]
    run([*command, f"--timeout={START_TIMEOUT_SECONDS}", "restart"], server.run_as)


def server_processes(server: PostgresServer) -> list[int]:
    """The postmaster and every process it forked (backends, checkpointer, ...)."""
    postmaster = int((server.data_dir / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (command) state ppid ...": the command may hold spaces, so split after it.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


@contextmanager
def frozen(server: PostgresServer) -> Iterator[None]:
    """Every process of the server stopped: it accepts bytes and answers none."""
    processes = server_processes(server)
    for pid in processes:
        _signal(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in processes:
            _signal(pid, signal.SIGCONT)


def _signal(pid: int, signum: signal.Signals) -> None:
    # A backend of an earlier test may still be on its way out.
    with suppress(ProcessLookupError):
        os.kill(pid, signum)


def remove_server(server: PostgresServer) -> None:
    if server.guard is not None:
        server.guard.terminate()
        server.guard.wait()
    try:
        run(stop_command(server), server.run_as)
    finally:
        shutil.rmtree(server.base_dir, ignore_errors=True)
