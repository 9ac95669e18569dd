"""Helpers shared by the template tests: variants, command runner, bakes, PostgreSQL.

Cost model: a bake takes well under a second, an install of a baked project into a
fresh venv takes a few seconds with uv's warm cache, and the baked project's own tools
(mypy, pytest) take the rest. So every xdist worker bakes and installs the variants it
is handed, each into its own venv inside the baked project (exactly what the README
tells users to do). Nothing relies on which worker runs which test: pytest-xdist's
`loadgroup` mode is broken with pytest 9.2 (it rewrites `Item._nodeid`, which pytest
no longer reads), so grouping cannot be promised.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = ROOT / "{{cookiecutter.project_slug}}"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# Against hangs (see the aiosqlite exit hang), not a speed target: a whole baked
# PostgreSQL suite takes 420-480 s when four share 2 cores, so 480 s failed healthy ones.
TOOL_TIMEOUT = 900


# --------------------------------------------------------------------------- variants


# The choice variables of cookiecutter.json and their answers: the matrix is derived from
# them, so a new choice is baked and checked without editing this file.
CHOICES: dict[str, list[str]] = {
    question: answers
    for question, answers in json.loads((ROOT / "cookiecutter.json").read_text()).items()
    if isinstance(answers, list) and not question.startswith("_")  # _extensions is no question
}
# The Python running these tests: it can install and test bakes that target it or an
# older version. Newer targets get their linters and type checker, not their suite.
HERE = sys.version_info[:2]


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class Variant:
    db_driver: str
    use_docker: str
    python_version: str = CHOICES["python_version"][0]
    use_redis: str = CHOICES["use_redis"][0]

    @property
    def docker(self) -> bool:
        return self.use_docker == "true"

    @property
    def redis(self) -> bool:
        return self.use_redis == "true"

    @property
    def runs_here(self) -> bool:
        """Whether this interpreter can install the bake and parse its syntax."""
        return version_tuple(self.python_version) <= HERE

    @property
    def id(self) -> str:
        docker = "docker" if self.docker else "nodocker"
        redis = "-redis" if self.redis else ""
        return f"py{self.python_version}-{self.db_driver}-{docker}{redis}"

    @property
    def context(self) -> dict[str, str]:
        return {
            "db_driver": self.db_driver,
            "use_docker": self.use_docker,
            "python_version": self.python_version,
            "use_redis": self.use_redis,
        }

    def on_this_python(self) -> Variant:
        """The same answers for the newest choice this interpreter runs: same dependencies."""
        runnable = [v for v in CHOICES["python_version"] if version_tuple(v) <= HERE]
        return replace(self, python_version=max(runnable, key=version_tuple))

    def docker_twin(self) -> Variant:
        """The same answers with Docker: the same Python sources, tests and dependencies."""
        return replace(self, use_docker="true")

    def without_redis(self) -> Variant:
        return replace(self, use_redis="false")


VARIANTS = tuple(
    Variant(db_driver, use_docker, python_version, use_redis)
    for python_version in CHOICES["python_version"]
    for db_driver in CHOICES["db_driver"]
    for use_docker in CHOICES["use_docker"]
    for use_redis in CHOICES["use_redis"]
)


def variant_params(
    *, docker: bool | None = None, runs_here: bool = False, redis: bool | None = None
) -> list[Any]:
    """Parametrize over the matrix with readable ids such as `py3.11-sqlite-nodocker`;
    `docker` and `redis`, when given, keep only the variants with that answer."""
    return [
        pytest.param(variant, id=variant.id)
        for variant in VARIANTS
        if docker in (None, variant.docker)
        and redis in (None, variant.redis)
        and (variant.runs_here or not runs_here)
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


# --------------------------------------------------------------------------- bakes

# The directory of a run's cross-process state (tests/conftest.py), shared by the xdist
# workers through the environment, and the export of this repository
# (tests/template_export.py) inside it that the run bakes from.
STATE_DIR_VARIABLE = "TEMPLATE_TESTS_STATE_DIR"
TEMPLATE_EXPORT = "template"


def template_under_test() -> Path:
    """The export this run bakes from (made by tests/conftest.py at start-up)."""
    return Path(os.environ[STATE_DIR_VARIABLE]) / TEMPLATE_EXPORT


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


def own_basetemp(tmp_path: Path) -> tuple[str, ...]:
    """A baked suite's temporary directory of its own. Suites running side by side in the
    shared /tmp/pytest-of-USER each prune the old runs there at start, and two removing
    the same one at once fail (and their warning is an error in the baked suite)."""
    return (f"--basetemp={tmp_path / 'basetemp'}",)


def bake_ok(cookies: Any, **context: str) -> BakedProject:
    """Bake with ``context`` and fail with cookiecutter's error if the bake failed."""
    result = cookies.bake(extra_context=context)
    # Read attributes one by one: repr(result) is deprecated in pytest-cookies 0.7.
    exit_code, exception = result.exit_code, result.exception
    if exit_code != 0 or result.project_path is None:
        pytest.fail(f"bake with {context} failed ({exit_code}): {exception!r}")
    answers = result.context
    variant = Variant(
        answers["db_driver"], answers["use_docker"], answers["python_version"], answers["use_redis"]
    )
    return BakedProject(variant, Path(result.project_path), dict(result.context))


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
    """A throwaway cluster shared by every xdist worker of one run (see conftest)."""

    bindir: Path
    workdir: Path
    port: int
    as_postgres: list[str]

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        # Trust auth ignores the password; it is there for URL parsers that require one.
        return f"postgresql://postgres:postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str | Path) -> list[str | Path]:
        return [*self.as_postgres, self.bindir / "pg_ctl", "-D", self.workdir / "data", *args]

    def create_database(self, name: str) -> str:
        createdb: list[str | Path] = [*self.as_postgres, self.bindir / "createdb"]
        run([*createdb, "-h", "127.0.0.1", "-p", str(self.port), name], self.workdir, timeout=60)
        return self.url(name)

    def to_json(self) -> str:
        fields = {"bindir": str(self.bindir), "workdir": str(self.workdir)}
        return json.dumps({**fields, "port": self.port, "as_postgres": self.as_postgres})

    @classmethod
    def from_json(cls, text: str) -> PostgresServer:
        data = json.loads(text)
        return cls(Path(data["bindir"]), Path(data["workdir"]), data["port"], data["as_postgres"])


def start_postgres(bindir: Path) -> PostgresServer:
    """initdb + start: trust auth, loopback only, private socket dir, no fsync.

    The cluster lives under /tmp rather than pytest's basetemp because, when we run as
    root, it runs as the `postgres` user, who cannot enter root's 0700 directories.
    """
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    workdir = Path(tempfile.mkdtemp(prefix="template-tests-pg-"))
    if as_postgres:
        shutil.chown(workdir, "postgres", "postgres")
    server = PostgresServer(bindir, workdir, free_port(), as_postgres)
    initdb: list[str | Path] = [
        *as_postgres,
        bindir / "initdb",
        "-D",
        workdir / "data",
        "-U",
        "postgres",
    ]
    run([*initdb, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], workdir, timeout=120)
    options = f"-p {server.port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = workdir / "server.log"
    run(server.pg_ctl("-l", log, "-o", options, "-w", "start"), workdir, timeout=120)
    return server


def stop_postgres(server: PostgresServer) -> None:
    # Not `run`: this is called from pytest_unconfigure, where pytest.fail cannot report.
    subprocess.run(
        [str(part) for part in server.pg_ctl("-m", "immediate", "-w", "stop")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    shutil.rmtree(server.workdir, ignore_errors=True)


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
