"""Every baked variant installs with its documented command and passes its own checks.

These tests run the baked project's tools (ruff, mypy, import-linter, pytest) inside
its own virtualenv, so they are the slow part of the suite (marker: quality).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import IN_CI, BakedProject, Variant, run, variant_params

Installed = Callable[[Variant], BakedProject]
Bake = Callable[[Variant], BakedProject]

pytestmark = pytest.mark.quality

# The commands the baked README and CI workflow document, minus pytest (below).
TOOLS = [
    pytest.param(("ruff", "check", "."), id="ruff-check"),
    pytest.param(("ruff", "format", "--check", "."), id="ruff-format"),
    pytest.param(("mypy",), id="mypy"),
    pytest.param(("lint-imports",), id="lint-imports"),
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


def dockerfile_copy_sources(dockerfile: str) -> Iterator[str]:
    """Sources of COPY/ADD instructions that read the build context (not --from stages)."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    for line in joined.splitlines():
        words = line.strip().split(maxsplit=1)
        if len(words) < 2 or words[0].upper() not in {"COPY", "ADD"}:
            continue
        rest = words[1]
        flags = re.findall(r"--[a-z-]+(?:=\S+)?", rest)
        if any(flag.startswith("--from") for flag in flags):
            continue
        rest = re.sub(r"--[a-z-]+(?:=\S+)?\s*", "", rest).strip()
        parts = json.loads(rest) if rest.startswith("[") else rest.split()
        yield from parts[:-1]


@pytest.mark.parametrize("variant", variant_params(docker_only=True))
def test_dockerfile_passes_hadolint(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    run([template_tool("hadolint"), "--failure-threshold", "warning", "Dockerfile"], project.path)


@pytest.mark.parametrize("variant", variant_params(docker_only=True))
def test_dockerfile_copies_only_existing_paths(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    sources = list(dockerfile_copy_sources((project.path / "Dockerfile").read_text()))
    assert sources, "the Dockerfile copies nothing from the build context"
    missing = [source for source in sources if not list(project.path.glob(source.lstrip("/")))]
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
        run(
            [client, *chain.from_iterable(("-f", name) for name in files), "config", "-q"],
            project.path,
        )
