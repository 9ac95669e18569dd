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
    event_worker_problems,
    merge,
    missing_copy_sources,
    proxy_problems,
    redis_problems,
    secret_problems,
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
                "secrets": ["jwt_secret_key"],
            },
            "worker": {"depends_on": ["app"]},
        }
    }
    assert list(compose_problems(tmp_path, config)) == [
        "app: depends_on unknown service 'db'",
        "app: volume 'data' is not declared",
        "app: secret 'jwt_secret_key' is not declared",
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


REDIS_SERVICE: dict[str, Any] = {
    "image": "redis:7.4-alpine",
    "command": [
        "redis-server",
        "--requirepass",
        "${REDIS_PASSWORD:-app}",
        "--appendonly",
        "yes",
        "--maxmemory-policy",
        "noeviction",
    ],
    "volumes": ["redis_data:/data"],
    "healthcheck": {"test": ["CMD-SHELL", "redis-cli ping | grep -q PONG"]},
    "read_only": True,
    "security_opt": ["no-new-privileges:true"],
    "deploy": {"resources": {"limits": {"memory": "256m"}}},
    "logging": {"driver": "json-file"},
}
WITH_REDIS: dict[str, Any] = {
    "services": {
        "app": {
            "environment": {"REDIS_URL": "redis://:${REDIS_PASSWORD:?set it}@redis:6379/0"},
            "depends_on": {"redis": {"condition": "service_healthy"}},
        },
        "redis": REDIS_SERVICE,
    }
}


def _redis(config: dict[str, Any]) -> dict[str, Any]:
    redis: dict[str, Any] = config["services"]["redis"]
    return redis


def _evicting(config: dict[str, Any], policy: str) -> None:
    command: list[str] = _redis(config)["command"]
    command[command.index("--maxmemory-policy") + 1] = policy


@pytest.mark.parametrize(
    ("break_config", "environment", "problem"),
    [
        pytest.param(lambda c: c["services"].pop("redis"), "prod", "no redis", id="no-redis"),
        pytest.param(
            lambda c: _redis(c).update(image="redis"), "prod", "not a pinned", id="unpinned"
        ),
        pytest.param(
            lambda c: _redis(c).pop("healthcheck"), "base", "no healthcheck", id="no-healthcheck"
        ),
        pytest.param(
            lambda c: _redis(c).update(ports=["127.0.0.1:6379:6379"]),
            "stage",
            "outside development",
            id="published-in-stage",
        ),
        pytest.param(
            lambda c: _redis(c).update(ports=["6379:6379"]),
            "dev",
            "not on 127.0.0.1",
            id="published-to-the-network",
        ),
        pytest.param(
            lambda c: _app(c).update(depends_on=["redis"]),
            "base",
            "not service_healthy",
            id="app-does-not-wait",
        ),
        pytest.param(
            lambda c: _app(c)["environment"].pop("REDIS_URL"),
            "base",
            "does not point at the redis service",
            id="no-url",
        ),
        pytest.param(
            lambda c: _app(c)["environment"].update(REDIS_URL="redis://127.0.0.1:6379/0"),
            "base",
            "does not point at the redis service",
            id="url-elsewhere",
        ),
        pytest.param(
            lambda c: _redis(c).update(command=["redis-server"]),
            "base",
            "no --requirepass",
            id="no-password",
        ),
        pytest.param(
            lambda c: _app(c)["environment"].update(REDIS_URL="redis://redis:6379/0"),
            "base",
            "does not carry the password",
            id="url-without-the-password",
        ),
        pytest.param(
            lambda c: _redis(c).update(command=["redis-server", "--requirepass", "x"]),
            "base",
            "no --appendonly yes",
            id="stream-in-memory-only",
        ),
        pytest.param(
            lambda c: _evicting(c, "volatile-ttl"),
            "base",
            "evict the login counters",
            id="evicts-counters",
        ),
        pytest.param(
            lambda c: _evicting(c, "allkeys-lru"),
            "base",
            "evict the login counters",
            id="evicts-anything",
        ),
        pytest.param(
            lambda c: _redis(c).pop("volumes"), "base", "on no volume", id="no-data-volume"
        ),
        pytest.param(
            lambda c: _redis(c).update(tmpfs=["/data"]), "prod", "tmpfs", id="data-on-tmpfs"
        ),
        pytest.param(
            lambda c: _redis(c).pop("read_only"), "prod", "read-only", id="writable-in-prod"
        ),
        pytest.param(
            lambda c: _redis(c).pop("security_opt"),
            "prod",
            "no-new-privileges",
            id="privileges-in-prod",
        ),
        pytest.param(lambda c: _redis(c).pop("deploy"), "prod", "memory limit", id="no-limit"),
        pytest.param(lambda c: _redis(c).pop("logging"), "prod", "log rotation", id="no-logging"),
    ],
)
def test_redis_problems_find_a_broken_promise(
    break_config: Callable[[dict[str, Any]], object], environment: str, problem: str
) -> None:
    config = copy.deepcopy(WITH_REDIS)
    break_config(config)
    problems = list(redis_problems(config, environment=environment, use_redis=True))
    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize("environment", ["base", "dev", "stage", "prod"])
def test_redis_problems_accept_a_service_that_keeps_them(environment: str) -> None:
    config = copy.deepcopy(WITH_REDIS)
    if environment == "dev":
        _redis(config).update(ports=["127.0.0.1:6379:6379"])
    assert list(redis_problems(config, environment=environment, use_redis=True)) == []


def test_redis_problems_find_redis_in_a_variant_without_it() -> None:
    assert list(redis_problems(WITH_REDIS, environment="base", use_redis=False)) == [
        "redis: a service in a variant without Redis",
        "app: REDIS_URL in a variant without Redis",
    ]
    assert (
        list(redis_problems({"services": {"app": {}}}, environment="base", use_redis=False)) == []
    )


APP_ENVIRONMENT = {"APP_ENV": "prod", "DATABASE_URL": "sqlite:////app/data/app.db"}


def _worker(command: str) -> dict[str, Any]:
    return {
        "image": "svc:latest",
        "command": ["python", "-m", "app", command],
        "environment": dict(APP_ENVIRONMENT),
        "volumes": ["app_data:/app/data"],
        "depends_on": {"app": {"condition": "service_healthy"}},
        "restart": "always",
        "healthcheck": {"disable": True},
        "read_only": True,
        "security_opt": ["no-new-privileges:true"],
        "deploy": {"resources": {"limits": {"memory": "512m"}}},
        "logging": {"driver": "json-file"},
    }


WITH_WORKERS: dict[str, Any] = {
    "services": {
        "app": {
            "image": "svc:latest",
            "environment": dict(APP_ENVIRONMENT),
            "volumes": ["app_data:/app/data"],
            "restart": "always",
        },
        "relay": _worker("relay-events"),
        "consumer": _worker("consume-events"),
    }
}


def _relay(config: dict[str, Any]) -> dict[str, Any]:
    relay: dict[str, Any] = config["services"]["relay"]
    return relay


@pytest.mark.parametrize(
    ("break_config", "environment", "problem"),
    [
        pytest.param(lambda c: c["services"].pop("relay"), "base", "no relay", id="no-relay"),
        pytest.param(
            lambda c: c["services"].pop("consumer"), "base", "no consumer", id="no-consumer"
        ),
        pytest.param(
            lambda c: _relay(c).update(command=["--once"]), "base", "command", id="serve-flags"
        ),
        pytest.param(
            lambda c: _relay(c).update(image="svc:old"), "base", "image differs", id="other-image"
        ),
        pytest.param(
            lambda c: _relay(c)["environment"].pop("DATABASE_URL"),
            "base",
            "environment differs",
            id="other-database",
        ),
        pytest.param(
            lambda c: _relay(c).pop("volumes"), "base", "volumes differs", id="no-data-volume"
        ),
        pytest.param(
            lambda c: _relay(c).update(depends_on=["app"]),
            "base",
            "not service_healthy",
            id="starts-before-migrations",
        ),
        pytest.param(lambda c: _relay(c).pop("restart"), "base", "not restarted", id="no-restart"),
        pytest.param(
            lambda c: _relay(c).update(restart="unless-stopped"),
            "prod",
            "the app's is 'always'",
            id="restart-unlike-the-app",
        ),
        pytest.param(
            lambda c: _relay(c).pop("healthcheck"), "base", "HTTP healthcheck", id="http-check"
        ),
        pytest.param(
            lambda c: _relay(c).update(ports=["8001:8001"]), "base", "publishes", id="ports"
        ),
        pytest.param(
            lambda c: _relay(c).pop("read_only"), "prod", "read-only", id="writable-in-prod"
        ),
        pytest.param(
            lambda c: _relay(c).pop("security_opt"),
            "prod",
            "no-new-privileges",
            id="privileges-in-prod",
        ),
        pytest.param(lambda c: _relay(c).pop("deploy"), "prod", "memory limit", id="no-limit"),
        pytest.param(lambda c: _relay(c).pop("logging"), "prod", "log rotation", id="no-logging"),
    ],
)
def test_event_worker_problems_find_a_broken_promise(
    break_config: Callable[[dict[str, Any]], object], environment: str, problem: str
) -> None:
    config = copy.deepcopy(WITH_WORKERS)
    break_config(config)
    problems = list(event_worker_problems(config, environment=environment, use_redis=True))
    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize("environment", ["base", "dev", "stage", "prod"])
def test_event_worker_problems_accept_workers_that_keep_them(environment: str) -> None:
    config = copy.deepcopy(WITH_WORKERS)
    assert list(event_worker_problems(config, environment=environment, use_redis=True)) == []


def test_event_worker_problems_find_a_consumer_in_a_variant_without_redis() -> None:
    assert list(event_worker_problems(WITH_WORKERS, environment="base", use_redis=False)) == [
        "consumer: a service in a variant without Redis"
    ]
    config = copy.deepcopy(WITH_WORKERS)
    config["services"].pop("consumer")
    assert list(event_worker_problems(config, environment="base", use_redis=False)) == []


# Redis reading its password from a secret file on stdin, as stage and prod run it.
STDIN_SCRIPT = (
    "exec docker-entrypoint.sh redis-server - --appendonly yes --maxmemory-policy noeviction"
    ' <<CONFIG\nrequirepass "$$(cat /run/secrets/redis_password)"\nCONFIG\n'
)


def _with_password_from_a_file() -> dict[str, Any]:
    config = copy.deepcopy(WITH_REDIS)
    _redis(config)["command"] = ["sh", "-c", STDIN_SCRIPT]
    _app(config)["environment"] = {
        "REDIS_URL": "redis://redis:6379/0",
        "REDIS_PASSWORD_FILE": "/run/secrets/redis_password",
    }
    return config


def test_redis_problems_accept_a_password_read_from_a_secret_file() -> None:
    config = _with_password_from_a_file()
    assert list(redis_problems(config, environment="prod", use_redis=True)) == []


@pytest.mark.parametrize(
    ("break_config", "problem"),
    [
        pytest.param(
            lambda c: _redis(c).update(command=["sh", "-c", STDIN_SCRIPT.replace(" - ", " ")]),
            "no --requirepass",
            id="stdin-not-read",
        ),
        pytest.param(
            lambda c: _app(c)["environment"].update(REDIS_PASSWORD_FILE="/run/secrets/other"),
            "does not carry the password",
            id="another-file",
        ),
        pytest.param(
            lambda c: _app(c)["environment"].pop("REDIS_PASSWORD_FILE"),
            "does not carry the password",
            id="no-file",
        ),
    ],
)
def test_redis_problems_find_a_password_file_that_does_not_match(
    break_config: Callable[[dict[str, Any]], object], problem: str
) -> None:
    config = _with_password_from_a_file()
    break_config(config)
    problems = list(redis_problems(config, environment="prod", use_redis=True))
    assert any(problem in found for found in problems), problems


WITH_SECRETS: dict[str, Any] = {
    "secrets": {"jwt_secret_key": {"file": "./secrets/jwt_secret_key"}},
    "services": {
        "app": {
            "environment": {
                "JWT_SECRET_KEY_FILE": "/run/secrets/jwt_secret_key",
                "DATABASE_URL": "postgresql://${POSTGRES_USER:-app}@db:5432/${POSTGRES_DB:-app}",
                "POSTGRES_PASSWORD": "",
            },
            "secrets": ["jwt_secret_key"],
        }
    },
}


@pytest.mark.parametrize("environment", ["stage", "prod"])
def test_secret_problems_accept_secrets_from_files(environment: str) -> None:
    assert list(secret_problems(WITH_SECRETS, environment=environment)) == []


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        pytest.param("JWT_SECRET_KEY", "${JWT_SECRET_KEY:?set it}", "carries a secret", id="key"),
        pytest.param(
            "DATABASE_URL",
            "postgresql://${POSTGRES_USER:-app}:${POSTGRES_PASSWORD:?set it}@db:5432/app",
            "carries a secret",
            id="url-with-password",
        ),
        pytest.param(
            "REDIS_URL",
            "redis://:${REDIS_PASSWORD:?x}@redis:6379/0",
            "carries a secret",
            id="redis",
        ),
        pytest.param(
            "OTHER_FILE", "/run/secrets/unlisted", "which it does not list", id="unlisted"
        ),
    ],
)
def test_secret_problems_find_a_secret_in_the_environment(
    variable: str, value: str, problem: str
) -> None:
    config = copy.deepcopy(WITH_SECRETS)
    _app(config)["environment"][variable] = value
    problems = list(secret_problems(config, environment="prod"))
    assert any(problem in found for found in problems), problems


def test_secret_problems_find_a_listed_secret_declared_from_no_file() -> None:
    config = copy.deepcopy(WITH_SECRETS)
    config["secrets"]["jwt_secret_key"] = {"external": True}
    assert list(secret_problems(config, environment="prod")) == [
        "app: the secret 'jwt_secret_key' is declared from no file"
    ]


def test_secret_problems_leave_development_alone() -> None:
    config = copy.deepcopy(WITH_SECRETS)
    _app(config)["environment"]["JWT_SECRET_KEY"] = "${JWT_SECRET_KEY:?set it}"
    assert list(secret_problems(config, environment="dev")) == []
