"""The static Docker checks of test_baked_quality are only as good as their parsers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_baked_quality import (
    compose_problems,
    dockerfile_copy_sources,
    merge,
    missing_copy_sources,
)

DOCKERFILE = """\
FROM python:3.11-slim AS builder
COPY pyproject.toml uv.lock* ./
COPY --chown=app:app app/ ./app/
COPY ["docker/entrypoint.sh", "/entrypoint.sh"]
RUN echo done
FROM python:3.11-slim
COPY --from=builder /opt/venv /opt/venv
COPY config \\
     ./config
ADD missing.txt /tmp/
"""


def test_copy_sources_are_parsed_in_every_form() -> None:
    assert list(dockerfile_copy_sources(DOCKERFILE)) == [
        ["pyproject.toml", "uv.lock*"],
        ["app/"],
        ["docker/entrypoint.sh"],
        ["config"],
        ["missing.txt"],
    ]


@pytest.mark.parametrize(
    ("sources", "missing"),
    [
        pytest.param(["pyproject.toml", "uv.lock*"], [], id="optional-wildcard"),
        pytest.param(
            ["missing.txt"], ["missing.txt", "missing.txt (matches nothing)"], id="literal"
        ),
        pytest.param(["*.lock"], ["*.lock (matches nothing)"], id="wildcard-alone"),
    ],
)
def test_missing_copy_sources(tmp_path: Path, sources: list[str], missing: list[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    assert missing_copy_sources(tmp_path, sources) == missing


def test_compose_merge_overrides_scalars_and_merges_mappings() -> None:
    base = {"services": {"app": {"image": "a", "environment": {"A": "1"}}}}
    override = {"services": {"app": {"environment": {"B": "2"}, "command": ["x"]}}}
    assert merge(base, override) == {
        "services": {"app": {"image": "a", "environment": {"A": "1", "B": "2"}, "command": ["x"]}}
    }


def test_compose_problems_find_dangling_references(tmp_path: Path) -> None:
    config = {
        "services": {
            "app": {
                "build": ".",
                "depends_on": {"db": {"condition": "service_healthy"}},
                "volumes": ["data:/var/lib/app", "./src:/src"],
                "env_file": [".env", {"path": "optional.env", "required": False}],
            },
            "worker": {"depends_on": ["app"]},
        }
    }
    assert list(compose_problems(tmp_path, config)) == [
        "app: depends_on unknown service 'db'",
        "app: volume 'data' is not declared",
        "app: env_file '.env' does not exist",
        f"app: build file {tmp_path / 'Dockerfile'} does not exist",
        "worker: neither image nor build",
    ]
