"""Every baked variant installs with its documented command and passes its own checks.

These tests run the baked project's tools (ruff, mypy, import-linter, pytest) inside
its own virtualenv, so they are the slow part of the suite (marker: quality).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import (
    IN_CI,
    BakedProject,
    Variant,
    clean_env,
    free_port,
    run,
    uv_executable,
    variant_params,
)

Installed = Callable[[Variant], BakedProject]
UV = "<uv>"  # placeholder for the uv executable, resolved when the test runs
Bake = Callable[[Variant], BakedProject]

pytestmark = pytest.mark.quality

# The commands the baked README and CI workflow document, minus pytest (below).
TOOL_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("ruff", "check", "."),
    ("ruff", "format", "--check", "."),
    ("mypy",),
    ("lint-imports",),
)
TOOLS = [pytest.param(command, id="-".join(command[:2]).strip(".-")) for command in TOOL_COMMANDS]

SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|error|skipped).*?)\s*=*$", re.MULTILINE)


def template_tool(name: str) -> str:
    """A tool installed in the template's own venv (hadolint, check-jsonschema)."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing from the template test venv: run `make test`")
    return found


# --------------------------------------------------------------------------- install + tools


@pytest.mark.parametrize("variant", variant_params())
def test_documented_install_imports_this_project(installed: Installed, variant: Variant) -> None:
    project = installed(variant)
    completed = project.run("python", "-c", "import app; print(app.__file__)")
    assert Path(completed.stdout.strip()).resolve().is_relative_to(project.path.resolve())


@pytest.mark.parametrize("variant", variant_params())
@pytest.mark.parametrize("tool", TOOLS)
def test_tool_passes(installed: Installed, variant: Variant, tool: tuple[str, ...]) -> None:
    installed(variant).run(*tool)


@pytest.mark.parametrize("variant", variant_params())
def test_baked_test_suite_passes(
    installed: Installed, variant: Variant, record_property: Callable[[str, object], None]
) -> None:
    completed = installed(variant).run("pytest", "-p", "no:cacheprovider", check=False)
    summaries = SUMMARY.findall(completed.stdout)
    summary = summaries[-1][0] if summaries else "no summary line"
    record_property("baked_suite", f"{variant.id}: {summary}")
    assert completed.returncode == 0, f"{summary}\n{completed.stdout[-6000:]}\n{completed.stderr}"
    if IN_CI:
        assert "skipped" not in summary, f"CI=true but the baked suite skipped tests: {summary}"


# --------------------------------------------------------------------------- other installers

ALTERNATIVE_INSTALLS = [
    pytest.param(
        (("python3", "-m", "venv", ".venv"), (".venv/bin/pip", "install", "-q", "-e", ".[dev]")),
        id="pip-editable",
    ),
    pytest.param(((UV, "sync"),), id="uv-sync"),
]


@pytest.mark.parametrize("commands", ALTERNATIVE_INSTALLS)
@pytest.mark.parametrize("driver", ["postgresql", "sqlite"])
def test_the_readme_alternative_installs_work(
    bake: Bake, tmp_path: Path, driver: str, commands: tuple[tuple[str, ...], ...]
) -> None:
    """pip (setuptools-free, explicit package) and uv sync (dependency groups) both install."""
    project = tmp_path / "project"
    shutil.copytree(bake(Variant(driver, "false")).path, project)
    for command in commands:
        argv = [uv_executable() if part == UV else part for part in command]
        run(argv, project, env=clean_env(), timeout=600)
    python = project / ".venv" / "bin" / "python"
    imported = run([python, "-c", "import app, pytest, mypy; print(app.__file__)"], project)
    assert Path(imported.stdout.strip()).resolve().is_relative_to(project.resolve())


# --------------------------------------------------------------------------- one set of commands

INSTALL_COMMAND = "uv venv && uv pip install -e '.[dev]'"


def workflow_commands(project: BakedProject) -> tuple[list[str], list[str]]:
    """The baked CI workflow's install lines and its check commands, in order."""
    workflow = yaml.safe_load((project.path / ".github/workflows/ci.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    install = next(step["run"] for step in steps if step.get("name") == "Install")
    checks = [step["run"].strip() for step in steps if "run" in step and step["name"] != "Install"]
    return install.splitlines(), checks


@pytest.mark.parametrize("variant", variant_params())
def test_ci_workflow_runs_the_commands_this_suite_runs(bake: Bake, variant: Variant) -> None:
    install, checks = workflow_commands(bake(variant))
    assert INSTALL_COMMAND in install
    assert checks == [" ".join(command) for command in TOOL_COMMANDS] + ["pytest"]


@pytest.mark.parametrize("variant", variant_params())
def test_readme_documents_the_commands_ci_runs(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    readme = (project.path / "README.md").read_text()
    _, checks = workflow_commands(project)
    for command in [INSTALL_COMMAND, *checks]:
        assert re.search(rf"^{re.escape(command)}(\s|$)", readme, re.MULTILINE), command


# --------------------------------------------------------------------------- served app


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_serving(process: subprocess.Popen[str], url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"uvicorn exited with {process.returncode}:\n{output[-4000:]}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within the deadline")


@pytest.mark.parametrize("variant", variant_params())
def test_migrated_app_serves_health_and_docs(
    installed: Installed, variant: Variant, request: pytest.FixtureRequest
) -> None:
    """What `make demo` and the README promise: migrate, run uvicorn, /health and /docs answer."""
    project = installed(variant)
    extra = {}
    if variant.db_driver == "postgresql":
        server = request.getfixturevalue("postgres_server")
        extra["DATABASE_URL"] = server.create_database(f"serve_{secrets.token_hex(6)}")
    env = project.env(extra)
    project.run("python", "-m", "app", "migrate", env=env)
    base = f"http://127.0.0.1:{free_port()}"
    host, port = base.removeprefix("http://").split(":")
    process = subprocess.Popen(
        ["uvicorn", "app.main:app", "--host", host, "--port", port],
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_serving(process, f"{base}/health", time.monotonic() + 60)
        status, body = get(f"{base}/health")
        assert (status, json.loads(body)) == (
            200,
            {"status": "healthy", "service": "My Service", "version": "0.1.0"},
        )
        assert get(f"{base}/docs")[0] == 200
        assert get(f"{base}/openapi.json")[0] == 200
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("uvicorn did not stop within 15 s of SIGTERM")
        if process.stdout:
            process.stdout.close()


# --------------------------------------------------------------------------- Docker (static)


COMPOSE_OVERRIDES = ("dev", "stage", "prod")


def compose_combinations() -> list[Any]:
    return [
        pytest.param(("docker-compose.yml",), id="base"),
        *(
            pytest.param(("docker-compose.yml", f"docker-compose.{env}.yml"), id=f"base+{env}")
            for env in COMPOSE_OVERRIDES
        ),
    ]


def merge(base: Any, override: Any) -> Any:
    """Compose-style merge, close enough to resolve references: mappings merge, rest replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    return override


def compose_problems(project: Path, config: dict[str, Any]) -> Iterator[str]:
    services: dict[str, Any] = config.get("services") or {}
    volumes = set(config.get("volumes") or {})
    if not services:
        yield "no services"
    for name, service in services.items():
        if "image" not in service and "build" not in service:
            yield f"{name}: neither image nor build"
        depends = service.get("depends_on") or []
        for target in depends if isinstance(depends, list) else depends.keys():
            if target not in services:
                yield f"{name}: depends_on unknown service {target!r}"
        for mount in service.get("volumes") or []:
            source = mount.split(":", 1)[0] if isinstance(mount, str) else mount.get("source", "")
            is_named = source and not source.startswith((".", "/", "~", "$"))
            if ":" in str(mount) and is_named and source not in volumes:
                yield f"{name}: volume {source!r} is not declared"
        env_files = service.get("env_file") or []
        for entry in [env_files] if isinstance(env_files, str | dict) else env_files:
            path = entry if isinstance(entry, str) else entry.get("path", "")
            required = True if isinstance(entry, str) else entry.get("required", True)
            if required and not (project / path).exists():
                yield f"{name}: env_file {path!r} does not exist"
        build = service.get("build")
        if build is not None:
            context = project / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = (
                "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            )
            if not (context / dockerfile).is_file():
                yield f"{name}: build file {context / dockerfile} does not exist"


def dockerfile_copy_sources(dockerfile: str) -> Iterator[list[str]]:
    """Source lists of COPY/ADD instructions that read the build context (not --from)."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    for line in joined.splitlines():
        words = line.strip().split(maxsplit=1)
        if len(words) < 2 or words[0].upper() not in {"COPY", "ADD"}:
            continue
        flags = re.findall(r"--[a-z-]+(?:=\S+)?", words[1])
        if any(flag.startswith("--from") for flag in flags):
            continue
        rest = re.sub(r"--[a-z-]+(?:=\S+)?\s*", "", words[1]).strip()
        parts = json.loads(rest) if rest.startswith("[") else rest.split()
        yield parts[:-1]


def missing_copy_sources(project: Path, sources: list[str]) -> list[str]:
    """Docker's rule: a literal source must exist; a wildcard may match nothing as long
    as the instruction as a whole copies something (e.g. the optional `uv.lock*`)."""
    matches = {source: list(project.glob(source.lstrip("/"))) for source in sources}
    missing = [s for s, found in matches.items() if not found and not any(c in s for c in "*?[")]
    if not any(matches.values()):
        missing.append(f"{' '.join(sources)} (matches nothing)")
    return missing


@pytest.mark.parametrize("variant", variant_params(docker_only=True))
def test_dockerfile_passes_hadolint(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    run([template_tool("hadolint"), "--failure-threshold", "warning", "Dockerfile"], project.path)


@pytest.mark.parametrize("variant", variant_params(docker_only=True))
def test_dockerfile_copies_only_existing_paths(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    instructions = list(dockerfile_copy_sources((project.path / "Dockerfile").read_text()))
    assert instructions, "the Dockerfile copies nothing from the build context"
    missing = [m for sources in instructions for m in missing_copy_sources(project.path, sources)]
    assert missing == []


@pytest.mark.parametrize("variant", variant_params(docker_only=True))
@pytest.mark.parametrize("files", compose_combinations())
def test_compose_combination_is_valid(bake: Bake, variant: Variant, files: tuple[str, ...]) -> None:
    project = bake(variant)
    run(
        [template_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", *files],
        project.path,
    )
    documents = [yaml.safe_load((project.path / name).read_text()) or {} for name in files]
    merged: dict[str, Any] = {}
    for document in documents:
        merged = merge(merged, document)
    assert list(compose_problems(project.path, merged)) == []
    # With a Compose client installed, also let it interpolate and merge for real.
    client = shutil.which("docker-compose")
    if client:
        # Variables marked mandatory (`${VAR:?message}`) come from the deploy environment;
        # give them placeholders so the client can interpolate the rest.
        texts = "".join((project.path / name).read_text() for name in files)
        required = dict.fromkeys(re.findall(r"\$\{(\w+):?\?", texts), "placeholder")
        flags = chain.from_iterable(("-f", name) for name in files)
        run([client, *flags, "config", "-q"], project.path, env=clean_env(required))
