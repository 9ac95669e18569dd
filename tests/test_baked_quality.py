"""Every baked variant installs with its documented command and passes its own checks.

These tests run the baked project's tools (ruff, mypy, import-linter, pytest) inside
its own virtualenv, so they are the slow part of the suite (marker: quality).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import shlex
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
    VARIANTS,
    BakedProject,
    Variant,
    clean_env,
    free_port,
    own_basetemp,
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
# Every tool checks every Docker bake, whatever its target Python: ruff, mypy (2.4 and
# later parse with ruff's parser, not the running interpreter's) and import-linter all read
# a 3.12 bake's PEP 695 generics on 3.11. The bake of the same answers without Docker has
# the very same inputs (test_a_bake_without_docker_has_its_docker_twin_s_code_tests_and_
# settings), so checking it again would prove nothing. What runs only on GitHub: see the README.
TOOLS = [
    pytest.param(variant, command, id=f"{variant.id}-{'-'.join(command[:2]).strip('.-')}")
    for variant in VARIANTS
    if variant.docker
    for command in TOOL_COMMANDS
]


SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|error|skipped).*?)\s*=*$", re.MULTILINE)


def template_tool(name: str) -> str:
    """A tool installed in the template's own venv (hadolint, check-jsonschema)."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing from the template test venv: run `make test`")
    return found


# --------------------------------------------------------------------------- install + tools


@pytest.mark.parametrize("variant", variant_params(docker=True))
def test_the_tools_see_this_bake_s_own_code(installed: Installed, variant: Variant) -> None:
    """Installed here, or (newer Python) its own source ahead of a borrowed environment."""
    project = installed(variant)
    completed = project.run("python", "-c", "import app; print(app.__file__)")
    assert Path(completed.stdout.strip()).resolve().is_relative_to(project.path.resolve())


@pytest.mark.parametrize(("variant", "tool"), TOOLS)
def test_tool_passes(installed: Installed, variant: Variant, tool: tuple[str, ...]) -> None:
    installed(variant).run(*tool)


@pytest.mark.parametrize("variant", variant_params(runs_here=True, docker=True))
def test_pre_commit_config_is_valid(installed: Installed, variant: Variant) -> None:
    """The README's `pre-commit install` works: the tool is installed and reads its config."""
    installed(variant).run("pre-commit", "validate-config")


# Whether a project ships Docker files changes none of what its suite reads, so the suite
# runs on the Docker bake of each driver; a test below proves the other bake is covered.
# A bake with Redis runs the part of its suite that Redis changes (redis_suite_selection).
@pytest.mark.long
@pytest.mark.parametrize("variant", variant_params(runs_here=True, docker=True))
def test_baked_test_suite_passes(
    installed: Installed,
    bake: Bake,
    variant: Variant,
    record_property: Callable[[str, object], None],
    tmp_path: Path,
) -> None:
    project = installed(variant)
    selection = redis_suite_selection(bake, variant) if variant.redis else []
    completed = project.run(
        "pytest", "-p", "no:cacheprovider", *own_basetemp(tmp_path), *selection, check=False
    )
    summaries = SUMMARY.findall(completed.stdout)
    summary = summaries[-1][0] if summaries else "no summary line"
    part = f" ({len(selection)} test files)" if selection else ""
    record_property("baked_suite", f"{variant.id}{part}: {summary}")
    assert completed.returncode == 0, f"{summary}\n{completed.stdout[-6000:]}\n{completed.stderr}"
    if IN_CI:
        assert "skipped" not in summary, f"CI=true but the baked suite skipped tests: {summary}"


SUITE_SOURCES = ("app", "tests")
SUITE_FILES = ("pyproject.toml", ".pre-commit-config.yaml")
# Settings files differ between the two bakes in their comments only (and .env in its key).
SETTINGS_FILES = (
    ".env",
    "config/local.env",
    "config/dev.env",
    "config/stage.env",
    "config/prod.env",
)


def suite_inputs(project: Path) -> dict[str, str]:
    """What a baked suite and the tools read: sources, tests and project files verbatim,
    settings by value."""
    inputs = {
        # surrogateescape: data files (the gzipped password list) compare byte for byte too.
        str(path.relative_to(project)): path.read_bytes().decode(errors="surrogateescape")
        for source in SUITE_SOURCES
        for path in sorted((project / source).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    inputs.update({name: (project / name).read_text() for name in SUITE_FILES})
    for name in SETTINGS_FILES:
        lines = (project / name).read_text().splitlines()
        inputs[name] = "\n".join(
            line
            for line in lines
            if line.strip() and not line.lstrip().startswith("#") and "JWT_SECRET_KEY" not in line
        )
    return inputs


@pytest.mark.parametrize("variant", variant_params(docker=False))
def test_a_bake_without_docker_has_its_docker_twin_s_code_tests_and_settings(
    bake: Bake, variant: Variant
) -> None:
    """Every input of this bake's tools and suite is the same in the Docker bake, which
    runs them (all Python versions: the tools run on every one)."""
    ours, theirs = suite_inputs(bake(variant).path), suite_inputs(bake(variant.docker_twin()).path)
    assert ours.keys() <= theirs.keys(), sorted(ours.keys() - theirs.keys())
    assert [name for name in ours if ours[name] != theirs[name]] == []


# Baked tests that exercise what use_redis changes, besides the test files it changes
# itself: the counters behind every throttled route and the login throttle, readiness,
# settings and the composition root (which builds and closes the client, and which the
# commands of tests/integration/test_cli.py and the servers of tests/server/ only call;
# test_shared_rate_limits.py serves with Redis for real). The other tests run code that
# is the same in both bakes but for those counters, whose every use (count, read, give
# back, forget) these pin down.
REDIS_EXERCISED = (
    "tests/contract/test_login_throttling.py",
    "tests/contract/test_concurrency.py",
    "tests/contract/test_errors.py",
    "tests/contract/test_health.py",
    "tests/contract/test_readiness.py",
    "tests/integration/test_composition_root.py",
    "tests/integration/test_configuration.py",
    "tests/integration/test_installed_package.py",
)


def redis_suite_selection(bake: Bake, variant: Variant) -> list[str]:
    """The baked test files whose outcome use_redis can change: those that differ from (or
    are new since) the bake without Redis, and those that exercise the changed code."""
    ours = suite_inputs(bake(variant).path)
    theirs = suite_inputs(bake(variant.without_redis()).path)
    changed = {
        name
        for name in ours
        if name.startswith("tests/")
        and Path(name).name.startswith("test_")
        and ours[name] != theirs.get(name)
    }
    missing = [name for name in REDIS_EXERCISED if name not in ours]
    assert not missing, f"REDIS_EXERCISED names files that are gone: {missing}"
    return sorted(changed | set(REDIS_EXERCISED))


# --------------------------------------------------------------------------- other installers

PIP_EDITABLE = (
    ("python3", "-m", "venv", ".venv"),
    (".venv/bin/pip", "install", "-q", "-e", ".[dev]"),
)
UV_SYNC = ((UV, "sync"),)
# uv sync on both drivers, whose dependencies differ; pip on one: it reads the same
# pyproject.toml whichever driver's dependencies it lists, and resolves slowly.
ALTERNATIVE_INSTALLS = [
    pytest.param("sqlite", PIP_EDITABLE, id="sqlite-pip-editable"),
    pytest.param("sqlite", UV_SYNC, id="sqlite-uv-sync"),
    pytest.param("postgresql", UV_SYNC, id="postgresql-uv-sync"),
]


@pytest.mark.long
@pytest.mark.parametrize(("driver", "commands"), ALTERNATIVE_INSTALLS)
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

# The README's quick install, which this suite's `installed` fixture runs. It ignores
# uv.lock; CI and the Docker build install from the lock instead (install_scripts).
INSTALL_COMMAND = "uv venv && uv pip install -e '.[dev]'"
# How the lock is made and how CI installs it; the image adds flags of its own.
LOCK_COMMAND = "uv lock"
LOCKED_INSTALL_COMMAND = "uv sync --locked"
_LOCKED_BRANCH = re.compile(r"if \[ -f uv\.lock \]; then (uv sync --locked\b[^;]*);")


def ci_steps(project: Path) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = yaml.safe_load(
        (project / ".github/workflows/ci.yml").read_text()
    )["jobs"]["test"]["steps"]
    return steps


def ci_install(project: Path) -> str:
    """The script of the baked CI workflow's Install step."""
    return str(next(step["run"] for step in ci_steps(project) if step.get("name") == "Install"))


def workflow_commands(project: BakedProject) -> tuple[list[str], list[str]]:
    """The baked CI workflow's install lines and its check commands, in order."""
    steps = ci_steps(project.path)
    checks = [
        step["run"].strip()
        for step in steps
        if "run" in step and not str(step["name"]).startswith("Install")
    ]
    return ci_install(project.path).splitlines(), checks


def install_scripts(project: Path) -> dict[str, str]:
    """The shell that installs the dependencies: CI's, and the image's RUN with Docker."""
    install = ci_install(project)
    ci = [line.strip() for line in install.splitlines() if "uv sync" in line]
    assert len(ci) == 1, f"CI's Install step should run uv sync once:\n{install}"
    scripts = {"ci": ci[0]}
    dockerfile = project / "Dockerfile"
    if dockerfile.exists():
        joined = re.sub(r"\\\n", " ", dockerfile.read_text())
        runs = [line for line in joined.splitlines() if re.match(r"RUN .*uv sync", line)]
        assert len(runs) == 1, "the Dockerfile should install with one RUN of uv sync"
        scripts["docker"] = re.sub(r"^RUN\s+(--\S+\s+)*", "", runs[0]).strip()
    return scripts


def locked_install(script: str) -> str:
    """The `uv sync --locked ...` that ``script`` runs when there is a uv.lock."""
    match = _LOCKED_BRANCH.search(script)
    assert match, f"does not install from uv.lock when there is one: {script}"
    return match.group(1).strip()


@pytest.mark.parametrize("variant", variant_params())
def test_ci_workflow_runs_the_commands_this_suite_runs(bake: Bake, variant: Variant) -> None:
    """The locked install that test_a_stale_lock_is_refused_... runs, then the tools, pytest."""
    project = bake(variant)
    _, checks = workflow_commands(project)
    assert locked_install(install_scripts(project.path)["ci"]) == LOCKED_INSTALL_COMMAND
    assert checks == [" ".join(command) for command in TOOL_COMMANDS] + ["pytest"]
    # The suite of a Redis bake starts throwaway redis-servers: the runner needs the binary.
    installs = [str(step["name"]) for step in ci_steps(project.path) if "run" in step]
    assert ("Install redis-server" in installs) is variant.redis, installs


@pytest.mark.parametrize("variant", variant_params())
def test_readme_documents_the_commands_ci_runs(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    readme = (project.path / "README.md").read_text()
    _, checks = workflow_commands(project)
    for command in [INSTALL_COMMAND, LOCK_COMMAND, LOCKED_INSTALL_COMMAND, *checks]:
        assert re.search(rf"^{re.escape(command)}(\s|$)", readme, re.MULTILINE), command


def test_a_stale_lock_is_refused_by_the_ci_and_image_installs(bake: Bake, tmp_path: Path) -> None:
    """`uv lock`, then CI's and the Dockerfile's install lines as written: both install
    from the lock, and both refuse it once pyproject.toml has a dependency it lacks."""
    project = tmp_path / "project"
    shutil.copytree(bake(Variant("sqlite", "true")).path, project)
    scripts = install_scripts(project)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "uv").symlink_to(uv_executable())
    env = clean_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    image = tmp_path / "image-venv"
    # The Dockerfile's UV_PROJECT_ENVIRONMENT, moved out of /app.
    envs = {"ci": env, "docker": {**env, "UV_PROJECT_ENVIRONMENT": str(image)}}

    run(LOCK_COMMAND.split(), project, env=env, timeout=600)
    for where, script in scripts.items():
        run(["sh", "-c", script], project, env=envs[where], timeout=600)
    python = project / ".venv" / "bin" / "python"
    imported = run([python, "-c", "import app, pytest, mypy; print(app.__file__)"], project)
    assert Path(imported.stdout.strip()).resolve().is_relative_to(project.resolve())
    assert (image / "bin" / "uvicorn").exists()
    assert not (image / "bin" / "pytest").exists(), "the image got the dev dependencies"

    # A dependency added to pyproject.toml without running `uv lock` again.
    pyproject = project / "pyproject.toml"
    added = 'dependencies = [\n    "httpx>=0.27",\n'
    pyproject.write_text(pyproject.read_text().replace("dependencies = [\n", added, 1))
    for where, script in scripts.items():
        refused = run(["sh", "-c", script], project, env=envs[where], timeout=600, check=False)
        assert refused.returncode != 0, f"{where} installed from a stale uv.lock"
        assert "uv lock" in refused.stderr, refused.stderr


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
            pytest.fail(f"serve exited with {process.returncode}:\n{output[-4000:]}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within the deadline")


@pytest.mark.parametrize("variant", variant_params(runs_here=True, docker=True))
def test_migrated_app_serves_health_and_docs(
    installed: Installed, variant: Variant, request: pytest.FixtureRequest
) -> None:
    """What `make demo` and the README promise: migrate, `python -m app serve`, /health and
    /docs answer."""
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
        ["python", "-m", "app", "serve", "--host", host, "--port", port],
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
            pytest.fail("serve did not stop within 15 s of SIGTERM")
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
        for entry in service.get("secrets") or []:
            secret = entry if isinstance(entry, str) else entry.get("source")
            if secret not in (config.get("secrets") or {}):
                yield f"{name}: secret {secret!r} is not declared"
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


PROXY_CONFIG_TARGET = "/etc/nginx/conf.d/default.conf"
NGINX_DIRECTIVE = re.compile(r"^\s*(\S+)\s+([^;{]*)[;{]", re.MULTILINE)


def _nginx_directives(text: str) -> list[tuple[str, str]]:
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return [(name, value.strip()) for name, value in NGINX_DIRECTIVE.findall(code)]


def _dig(mapping: Any, *keys: str) -> Any:
    for key in keys:
        mapping = (mapping or {}).get(key)
    return mapping


def proxy_problems(project: Path, config: dict[str, Any]) -> Iterator[str]:
    """Why clients might not reach the app through the proxy only, or could name their address.

    The app believes X-Forwarded-For from FORWARDED_ALLOW_IPS alone: that must be the
    proxy's fixed address, which no other container can get, and the proxy must replace
    the header with the peer it saw, never pass on or append to what a client sent.
    """
    services: dict[str, Any] = config.get("services") or {}
    app, proxy = services.get("app") or {}, services.get("proxy")
    if proxy is None:
        yield "no proxy service"
        return
    if not str(proxy.get("image", "")).startswith("nginx:"):
        yield f"proxy: image {proxy.get('image')!r} is not nginx"
    if app.get("ports"):
        yield "app: publishes ports, bypassing the proxy"
    ipam = _dig(config, "networks", "default", "ipam", "config")
    address = _dig(proxy, "networks", "default", "ipv4_address")
    if not ipam or not address:
        yield "proxy: no fixed address on a network with a fixed subnet"
        return
    pool = ipam[0]
    proxy_ip = ipaddress.ip_address(address)
    if proxy_ip not in ipaddress.ip_network(pool["subnet"]):
        yield f"proxy: {address} is outside the subnet {pool['subnet']}"
    if "ip_range" not in pool or proxy_ip in ipaddress.ip_network(pool["ip_range"]):
        yield f"proxy: {address} may be handed to another container (outside ip_range?)"
    trusted = _dig(app, "environment", "FORWARDED_ALLOW_IPS")
    if trusted != address:
        yield f"app: FORWARDED_ALLOW_IPS is {trusted!r}, not the proxy's address {address}"
    mounts = [m for m in proxy.get("volumes") or [] if f":{PROXY_CONFIG_TARGET}" in str(m)]
    if not mounts:
        yield f"proxy: nothing mounted on {PROXY_CONFIG_TARGET}"
        return
    source = project / str(mounts[0]).split(":", 1)[0]
    if not source.is_file():
        yield f"proxy: {source} does not exist"
        return
    directives = _nginx_directives(source.read_text())
    headers = [value.split(None, 1) for name, value in directives if name == "proxy_set_header"]
    forwarded = {name.lower(): value for name, value in headers}
    if forwarded.get("x-forwarded-for") != "$remote_addr":
        yield f"nginx: X-Forwarded-For is {forwarded.get('x-forwarded-for')!r}, not $remote_addr"
    if "x-forwarded-proto" not in forwarded:
        yield "nginx: X-Forwarded-Proto is not set"
    believed = {value for name, value in directives if name == "set_real_ip_from"}
    if believed - {pool.get("gateway")}:
        yield f"nginx: believes X-Forwarded-For from {sorted(believed)}, not the host alone"


HARDENED_ENVIRONMENT = "prod"


def hardening_problems(name: str, service: dict[str, Any]) -> Iterator[str]:
    """What production asks of a service beside the app: a read-only root filesystem, no
    new privileges, a memory limit and rotated logs."""
    if service.get("read_only") is not True:
        yield f"{name}: root filesystem not read-only"
    if "no-new-privileges:true" not in (service.get("security_opt") or []):
        yield f"{name}: no no-new-privileges"
    if not _dig(service, "deploy", "resources", "limits", "memory"):
        yield f"{name}: no memory limit"
    if not service.get("logging"):
        yield f"{name}: no log rotation"


COMPOSE_REDIS_URL = re.compile(
    r"redis://(?::(?P<password>.+))?@redis:6379/\d+|redis://redis:6379/\d+"
)


def _variable(text: str) -> str:
    """The variable a compose value interpolates (`${NAME:-default}` gives NAME), else itself."""
    found = re.match(r"\$\{(\w+)", text)
    return found[1] if found else text


def redis_problems(config: dict[str, Any], *, environment: str, use_redis: bool) -> Iterator[str]:
    """Why the Redis service might not keep the promises the README makes about it.

    `environment` is the override merged into the base file ("base" for none). With
    use_redis=false there is no Redis at all; with it, the app waits until Redis answers
    PING, Redis is published nowhere but on the host's loopback in development, keeps the
    event stream in an append-only file on a volume, and in production it is hardened like
    the other services. It never evicts: the rate-limit and login counters would go first.
    """
    services: dict[str, Any] = config.get("services") or {}
    app, redis = services.get("app") or {}, services.get("redis")
    url = _dig(app, "environment", "REDIS_URL")
    if not use_redis:
        if redis is not None:
            yield "redis: a service in a variant without Redis"
        if url is not None:
            yield "app: REDIS_URL in a variant without Redis"
        return
    if redis is None:
        yield "no redis service"
        return
    image = str(redis.get("image", ""))
    if not re.fullmatch(r"redis:\d[\w.-]*", image):
        yield f"redis: image {image!r} is not a pinned redis tag"
    test = _dig(redis, "healthcheck", "test") or []
    if "redis-cli ping" not in " ".join(test if isinstance(test, list) else [test]):
        yield "redis: no healthcheck that sends PING"
    ports = redis.get("ports") or []
    if ports and environment != "dev":
        yield f"redis: publishes {ports} outside development"
    yield from (
        f"redis: {port!r} is not on 127.0.0.1"
        for port in ports
        if not str(port).startswith("127.0.0.1:")
    )
    depends = app.get("depends_on") or {}
    condition = _dig(depends, "redis", "condition") if isinstance(depends, dict) else None
    if condition != "service_healthy":
        yield f"app: waits for redis on {condition!r}, not service_healthy"
    # Not urlsplit: an uninterpolated `${VAR:?message}` password holds a "?".
    target = COMPOSE_REDIS_URL.fullmatch(str(url)) if url is not None else None
    if target is None:
        yield f"app: REDIS_URL {url!r} does not point at the redis service"
    command, password = _redis_command(redis)
    if not password:
        yield "redis: no --requirepass: whoever reaches it could reset the login counters"
    elif target is not None and _app_redis_password(app, target) != _variable(password):
        yield "app: REDIS_URL does not carry the password redis requires"
    # The outbox forgets an event once Redis has it: the stream must survive a restart.
    appendonly = command[command.index("--appendonly") + 1] if "--appendonly" in command else ""
    if appendonly != "yes":
        yield "redis: no --appendonly yes: a restart would lose the events not yet consumed"
    # Evicting would take the counters first (they expire), weakening the login limits.
    policy = (
        command[command.index("--maxmemory-policy") + 1]
        if "--maxmemory-policy" in command
        else "noeviction"  # Redis's own default
    )
    if policy != "noeviction":
        yield f"redis: --maxmemory-policy {policy}: a full Redis would evict the login counters"
    data = [str(mount) for mount in redis.get("volumes") or []]
    if not any(mount.split(":")[1:2] == ["/data"] for mount in data):
        yield "redis: /data is on no volume: the append-only file would die with the container"
    if "/data" in (redis.get("tmpfs") or []):
        yield "redis: /data is in memory (tmpfs): the append-only file would not survive"
    if environment == HARDENED_ENVIRONMENT:
        yield from hardening_problems("redis", redis)


# A password redis-server reads from a secret file on stdin (`redis-server -`).
STDIN_PASSWORD = re.compile(r'^requirepass "\$\$?\(cat (/run/secrets/\w+)\)"$', re.MULTILINE)


def _redis_command(redis: dict[str, Any]) -> tuple[list[str], str]:
    """redis-server's arguments and the password it requires (a variable or a secret's path).

    Run as given, or through `sh -c` when the password comes from a secret file: then the
    script's first line holds the arguments, and the configuration on stdin the password.
    """
    command = [str(word) for word in redis.get("command") or []]
    if command[:2] == ["sh", "-c"] and len(command) == 3:
        script = command[2]
        words = shlex.split(script.splitlines()[0]) if script.strip() else []
        found = STDIN_PASSWORD.search(script)
        return words, found[1] if found and "-" in words else ""
    password = command[command.index("--requirepass") + 1] if "--requirepass" in command else ""
    return command, password


def _app_redis_password(app: dict[str, Any], url: re.Match[str]) -> str:
    """The variable the app's REDIS_URL interpolates its password from, or its password file."""
    password_file = _dig(app, "environment", "REDIS_PASSWORD_FILE")
    return str(password_file) if password_file else _variable(url["password"] or "")


# Secrets an environment must not carry in stage and prod: each comes from a file.
SECRET_VARIABLES = ("JWT_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "REDISCLI_AUTH")
URL_WITH_PASSWORD = re.compile(r"^\w[\w+.-]*://[^/@]*:[^/@]+@")


def secret_problems(config: dict[str, Any], *, environment: str) -> Iterator[str]:
    """Why a stage or production secret might be in an environment variable (`docker
    inspect` shows those) instead of a file, or a file might not be there: each
    `/run/secrets/<name>` a service is told of is a secret it lists, declared from a file."""
    if environment not in ("stage", "prod"):
        return
    declared: dict[str, Any] = config.get("secrets") or {}
    for name, service in (config.get("services") or {}).items():
        variables: dict[str, Any] = service.get("environment") or {}
        listed = {
            entry if isinstance(entry, str) else entry.get("source")
            for entry in service.get("secrets") or []
        }
        for variable, value in variables.items():
            text = "" if value is None else str(value)
            # `${NAME:-default}` reads as NAME, so a default's colon is not a password's.
            bare = re.sub(r"\$\{(\w+)[^}]*\}", r"\1", text)
            if (variable in SECRET_VARIABLES and text) or URL_WITH_PASSWORD.match(bare):
                yield f"{name}: {variable} carries a secret in the environment"
            if text.startswith("/run/secrets/"):
                secret = text.removeprefix("/run/secrets/")
                if secret not in listed:
                    yield f"{name}: {variable} names the secret {secret!r}, which it does not list"
                elif not _dig(declared, secret, "file"):
                    yield f"{name}: the secret {secret!r} is declared from no file"


# The event workers compose runs beside the app, by service name: the command each runs.
EVENT_WORKERS = {"relay": "relay-events", "consumer": "consume-events"}


def event_worker_problems(
    config: dict[str, Any], *, environment: str, use_redis: bool
) -> Iterator[str]:
    """Why an event worker might not run as the README says: the app's image, environment
    and volumes, its own command (run by the entrypoint as given, without migrating), only
    once the app is healthy (its entrypoint migrated), restarted after a crash, and
    hardened like the app in production. The consumer exists with Redis only."""
    services: dict[str, Any] = config.get("services") or {}
    app = services.get("app") or {}
    expected = {"relay"} | ({"consumer"} if use_redis else set())
    for name in sorted(set(EVENT_WORKERS) - expected):
        if name in services:
            yield f"{name}: a service in a variant without Redis"
    for name in sorted(expected):
        worker = services.get(name)
        if worker is None:
            yield f"no {name} service"
            continue
        command = ["python", "-m", "app", EVENT_WORKERS[name]]
        if worker.get("command") != command:
            yield f"{name}: command {worker.get('command')!r}, not {command}"
        for key in ("image", "environment", "volumes"):
            if worker.get(key) != app.get(key):
                yield f"{name}: {key} differs from the app's"
        depends = worker.get("depends_on") or {}
        condition = _dig(depends, "app", "condition") if isinstance(depends, dict) else None
        if condition != "service_healthy":
            yield f"{name}: starts on the app's {condition!r}, not service_healthy (migrated)"
        if worker.get("restart") in (None, "no"):
            yield f"{name}: not restarted after a crash"
        elif app.get("restart") not in (None, worker.get("restart")):
            yield f"{name}: restart {worker.get('restart')!r}, the app's is {app.get('restart')!r}"
        if _dig(worker, "healthcheck", "disable") is not True:
            yield f"{name}: keeps the image's HTTP healthcheck, with no server to answer it"
        if worker.get("ports"):
            yield f"{name}: publishes ports"
        if environment == HARDENED_ENVIRONMENT:
            yield from hardening_problems(name, worker)


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


@pytest.mark.parametrize("variant", variant_params(docker=True))
def test_dockerfile_passes_hadolint(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    run([template_tool("hadolint"), "--failure-threshold", "warning", "Dockerfile"], project.path)


@pytest.mark.parametrize("variant", variant_params(docker=True))
def test_dockerfile_copies_only_existing_paths(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    instructions = list(dockerfile_copy_sources((project.path / "Dockerfile").read_text()))
    assert instructions, "the Dockerfile copies nothing from the build context"
    missing = [m for sources in instructions for m in missing_copy_sources(project.path, sources)]
    assert missing == []


@pytest.mark.parametrize("variant", variant_params(docker=True))
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
    environment = files[1].split(".")[1] if len(files) > 1 else "base"
    assert list(redis_problems(merged, environment=environment, use_redis=variant.redis)) == []
    assert list(secret_problems(merged, environment=environment)) == []
    workers = event_worker_problems(merged, environment=environment, use_redis=variant.redis)
    assert list(workers) == []
    # With a Compose client installed, also let it interpolate and merge for real.
    client = shutil.which("docker-compose")
    if client:
        # Variables marked mandatory (`${VAR:?message}`) come from the deploy environment;
        # give them placeholders so the client can interpolate the rest.
        texts = "".join((project.path / name).read_text() for name in files)
        required = dict.fromkeys(re.findall(r"\$\{(\w+):?\?", texts), "placeholder")
        flags = chain.from_iterable(("-f", name) for name in files)
        run([client, *flags, "config", "-q"], project.path, env=clean_env(required))


@pytest.mark.parametrize("variant", variant_params(docker=True))
@pytest.mark.parametrize("env", ["stage", "prod"])
def test_compose_clients_reach_the_app_only_through_the_proxy(
    bake: Bake, variant: Variant, env: str
) -> None:
    project = bake(variant).path
    files = ("docker-compose.yml", f"docker-compose.{env}.yml")
    merged: dict[str, Any] = {}
    for name in files:
        merged = merge(merged, yaml.safe_load((project / name).read_text()) or {})
    assert list(proxy_problems(project, merged)) == []


# --------------------------------------------------------------------------- Dependabot


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(variant, id=variant.id)
        for variant in (Variant("sqlite", "true"), Variant("sqlite", "false"))
    ],
)
def test_dependabot_config_passes_its_schema(bake: Bake, variant: Variant) -> None:
    """GitHub's schema for .github/dependabot.yml, as vendored by check-jsonschema."""
    run(
        [
            template_tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.dependabot",
            ".github/dependabot.yml",
        ],
        bake(variant).path,
    )
