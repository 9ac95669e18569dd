"""The static Docker checks of test_baked_quality are only as good as their parsers."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_baked_quality import (
    compose_problems,
    dockerfile_copy_sources,
    merge,
    missing_copy_sources,
    proxy_problems,
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


NGINX = """\
set_real_ip_from 10.9.0.1;  # the host
real_ip_header X-Forwarded-For;
server {
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
"""
PROXIED: dict[str, Any] = {
    "services": {
        "app": {"environment": {"FORWARDED_ALLOW_IPS": "10.9.0.10"}},
        "proxy": {
            "image": "nginx:1.28-alpine",
            "volumes": ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"],
            "networks": {"default": {"ipv4_address": "10.9.0.10"}},
        },
    },
    "networks": {
        "default": {
            "ipam": {
                "config": [
                    {"subnet": "10.9.0.0/24", "ip_range": "10.9.0.128/25", "gateway": "10.9.0.1"}
                ]
            }
        }
    },
}


def _app(config: dict[str, Any]) -> dict[str, Any]:
    app: dict[str, Any] = config["services"]["app"]
    return app


def _proxy_address(config: dict[str, Any]) -> dict[str, Any]:
    network: dict[str, Any] = config["services"]["proxy"]["networks"]["default"]
    return network


@pytest.mark.parametrize(
    ("break_config", "nginx", "problem"),
    [
        pytest.param(lambda c: c["services"].pop("proxy"), NGINX, "no proxy", id="no-proxy"),
        pytest.param(
            lambda c: _app(c).update(ports=["8000:8000"]), NGINX, "bypassing", id="app-published"
        ),
        pytest.param(
            lambda c: _app(c)["environment"].update(FORWARDED_ALLOW_IPS="127.0.0.1"),
            NGINX,
            "not the proxy's address",
            id="trusts-someone-else",
        ),
        pytest.param(
            lambda c: _proxy_address(c).update(ipv4_address="10.9.0.200"),
            NGINX,
            "another container",
            id="address-in-dynamic-range",
        ),
        pytest.param(
            lambda c: None,
            NGINX.replace("$remote_addr", "$proxy_add_x_forwarded_for"),
            "X-Forwarded-For is '$proxy_add_x_forwarded_for'",
            id="xff-appended",
        ),
        pytest.param(
            lambda c: None,
            NGINX.replace("proxy_set_header X-Forwarded-Proto $scheme;", ""),
            "X-Forwarded-Proto is not set",
            id="no-proto",
        ),
        pytest.param(
            lambda c: None,
            "set_real_ip_from 0.0.0.0/0;\n" + NGINX,
            "believes X-Forwarded-For from",
            id="believes-anyone",
        ),
    ],
)
def test_proxy_problems_find_a_forwarded_address_a_client_could_choose(
    tmp_path: Path, break_config: Callable[[dict[str, Any]], object], nginx: str, problem: str
) -> None:
    (tmp_path / "nginx.conf").write_text(nginx)
    config = copy.deepcopy(PROXIED)
    break_config(config)
    problems = list(proxy_problems(tmp_path, config))
    assert any(problem in found for found in problems), problems


def test_proxy_problems_accept_a_proxy_that_replaces_the_headers(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(NGINX)
    assert list(proxy_problems(tmp_path, PROXIED)) == []
