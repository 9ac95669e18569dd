"""Shared fixtures of the template tests: variants, bakes, installs, a PostgreSQL server.

Cost model: a bake takes well under a second, an install of a baked project into a
fresh venv takes a few seconds with uv's warm cache, and the baked project's own tools
(mypy, pytest) take the rest. So every variant gets its own bake and its own venv
inside the baked project (exactly what its README tells users to do), and the tests of
one database driver share an xdist group so one worker owns that driver's installs
and the single PostgreSQL cluster of the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = ROOT / "{{cookiecutter.project_slug}}"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# Generous: a baked suite that hangs (see the aiosqlite exit hang) fails after this.
TOOL_TIMEOUT = 300
DEFAULT_SLUG = "my_service"


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class Variant:
    db_driver: str
    use_docker: str

    @property
    def docker(self) -> bool:
        return self.use_docker == "true"

    @property
    def id(self) -> str:
        return f"{self.db_driver}-{'docker' if self.docker else 'nodocker'}"

    @property
    def context(self) -> dict[str, str]:
        return {"db_driver": self.db_driver, "use_docker": self.use_docker}


VARIANTS = tuple(
    Variant(db_driver, use_docker)
    for db_driver in ("postgresql", "sqlite")
    for use_docker in ("true", "false")
)


def variant_params(*, docker_only: bool = False) -> list[Any]:
    """Parametrize over variants; one xdist group per driver (see the module docstring)."""
    return [
        pytest.param(variant, id=variant.id, marks=pytest.mark.xdist_group(variant.db_driver))
        for variant in VARIANTS
        if variant.docker or not docker_only
    ]


# --------------------------------------------------------------------------- commands


def clean_env(extra: Mapping[str, str] | None = None, venv: Path | None = None) -> dict[str, str]:
    """Environment for a tool run inside a baked project.

    Drops what would leak this test run into the child: pytest/xdist variables, an
    active virtualenv, PYTHONPATH. Keeps CI so baked suites refuse to skip in CI too.
    """
    dropped_prefixes = ("PYTEST_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped_prefixes)}
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def run(
    command: Sequence[str | Path],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = TOOL_TIMEOUT,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` and, if ``check``, fail the test with its output when it fails."""
    argv = [str(part) for part in command]
    try:
        completed = subprocess.run(
            argv,
            cwd=cwd,
            env=dict(env) if env is not None else clean_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`{' '.join(argv)}` timed out after {timeout}s in {cwd}\n{_tail(exc.stdout)}")
    if check and completed.returncode != 0:
        pytest.fail(
            f"`{' '.join(argv)}` exited {completed.returncode} in {cwd}\n"
            f"--- stdout ---\n{_tail(completed.stdout)}\n--- stderr ---\n{_tail(completed.stderr)}",
        )
    return completed


def _tail(output: str | bytes | None, lines: int = 80) -> str:
    if isinstance(output, bytes):
        output = output.decode(errors="replace")
    return "\n".join((output or "").splitlines()[-lines:])


def uv_executable() -> str:
    """The uv installed next to this interpreter (template venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("uv")
    if beside.exists():
        return str(beside)
    found = shutil.which("uv")
    if found is None:
        pytest.fail("uv is not installed: run the tests through `make test`")
    return found


def missing_prerequisite(reason: str) -> None:
    """Skip locally, fail in CI: CI must exercise everything."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: refusing to skip)")
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under CI=true a skipped test counts as a failure, whoever skipped it."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true: {report.longrepr}"
    return report


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # pytest-cookies resolves --template against the working directory; pin it to
    # this repository so the suite also works when started from elsewhere.
    if config.option.template == str(Path.cwd()):
        config.option.template = str(ROOT)


# --------------------------------------------------------------------------- bakes


@dataclass
class BakedProject:
    variant: Variant
    path: Path
    context: dict[str, Any]
    venv: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return clean_env({**self.extra_env, **(extra or {})}, venv=self.venv)

    def run(self, *command: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("env", self.env())
        return run(command, self.path, **kwargs)

    def files(self) -> list[Path]:
        return sorted(path for path in self.path.rglob("*") if path.is_file())


def bake_ok(cookies: Any, **context: str) -> BakedProject:
    """Bake with ``context`` and fail with cookiecutter's error if the bake failed."""
    result = cookies.bake(extra_context=context)
    # Read attributes one by one: repr(result) is deprecated in pytest-cookies 0.7.
    exit_code, exception = result.exit_code, result.exception
    if exit_code != 0 or result.project_path is None:
        pytest.fail(f"bake with {context} failed ({exit_code}): {exception!r}")
    variant = Variant(result.context["db_driver"], result.context["use_docker"])
    return BakedProject(variant, Path(result.project_path), dict(result.context))


@pytest.fixture(scope="session")
def bake(cookies_session: Any) -> Callable[[Variant], BakedProject]:
    """Pristine bake of a variant, made once per worker. Tests must not modify it."""
    cache: dict[Variant, BakedProject] = {}

    def get(variant: Variant) -> BakedProject:
        if variant not in cache:
            cache[variant] = bake_ok(cookies_session, **variant.context)
        return cache[variant]

    return get


@pytest.fixture(scope="session")
def installed(
    cookies_session: Any, request: pytest.FixtureRequest
) -> Callable[[Variant], BakedProject]:
    """A separate bake of a variant, installed with its documented command, once per worker."""
    cache: dict[Variant, BakedProject] = {}

    def get(variant: Variant) -> BakedProject:
        if variant not in cache:
            project = bake_ok(cookies_session, **variant.context)
            install(project)
            if variant.db_driver == "postgresql":
                server: PostgresServer = request.getfixturevalue("postgres_server")
                url = server.create_database(variant.id.replace("-", "_"))
                project.extra_env["TEST_DATABASE_URL"] = url
            cache[variant] = project
        return cache[variant]

    return get


def install(project: BakedProject) -> None:
    """The README's install command: `uv venv && uv pip install -e '.[dev]'`.

    `--python python3` because uv cannot download interpreters on our machines.
    """
    uv = uv_executable()
    env = clean_env()
    run([uv, "venv", "--python", "python3"], project.path, env=env)
    run([uv, "pip", "install", "-e", ".[dev]"], project.path, env=env)
    project.venv = project.path / ".venv"


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class PostgresServer:
    bindir: Path
    datadir: Path
    port: int
    as_postgres: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres:postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        run(
            [
                *self.as_postgres,
                self.bindir / "createdb",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                name,
            ],
            Path("/"),
            timeout=60,
        )
        return f"postgresql://postgres:postgres@127.0.0.1:{self.port}/{name}"


def find_postgres_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway cluster: trust auth, loopback only, private socket directory.

    The data directory lives under /tmp rather than pytest's basetemp because, when we
    run as root, initdb runs as the `postgres` user, who cannot enter root's 0700 dirs.
    """
    bindir = find_postgres_bindir()
    if bindir is None:
        missing_prerequisite("PostgreSQL server binaries not found (apt-get install postgresql)")
        raise AssertionError("unreachable")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    workdir = Path(tempfile.mkdtemp(prefix="template-tests-pg-"))
    if as_postgres:
        shutil.chown(workdir, "postgres", "postgres")
    server = PostgresServer(bindir, workdir / "data", free_port(), as_postgres)
    run(
        [*as_postgres, bindir / "initdb", "-D", server.datadir, "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
        workdir,
        timeout=120,
    )  # fmt: skip
    options = f"-p {server.port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [*as_postgres, bindir / "pg_ctl", "-D", server.datadir]
    run([*pg_ctl, "-l", workdir / "server.log", "-o", options, "-w", "start"], workdir, timeout=120)
    try:
        yield server
    finally:
        run([*pg_ctl, "-m", "immediate", "-w", "stop"], workdir, timeout=60, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- reporting


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the test counts of every baked suite (recorded by test_baked_quality)."""
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", []):
                if name == "baked_suite" and getattr(report, "when", "") == "call":
                    lines.append(str(value))
    if lines:
        terminalreporter.section("baked project test suites")
        for line in sorted(set(lines)):
            terminalreporter.write_line(line)
