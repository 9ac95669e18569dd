"""REDIS_URL and REDIS_TIMEOUT_SECONDS: a typo is one readable line at startup, no secret in it."""

import secrets

import pytest
from pydantic import SecretStr, ValidationError

from app.application.queries.check_readiness import CheckReadinessQuery
from app.bootstrap import build_container
from app.infrastructure.config import Settings
from app.infrastructure.redis.redis_url import require_redis_url
from app.infrastructure.throttle.in_memory_throttle_store import InMemoryThrottleStore

PASSWORD = "s3cr3t-Redis-Passw0rd"


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        f"redis://:{PASSWORD}@cache.internal:6379/2",
        f"rediss://default:{PASSWORD}@cache.internal:6380",
        "redis://localhost",
        "unix:///run/redis/redis.sock?db=1",
    ],
)
def test_the_forms_redis_py_connects_with_are_accepted(url: str) -> None:
    require_redis_url(url)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"http://:{PASSWORD}@cache.internal:6379/0", "must use redis://, rediss:// or unix://"),
        (f"cache.internal:{PASSWORD}", "must use redis://, rediss:// or unix://"),
        (f"redis://:{PASSWORD}@cache.internal:port/0", "is not a valid URL"),
        (f"redis://:{PASSWORD}@:6379/0", "names no host"),
        (f"redis://:{PASSWORD}@cache.internal:6379/zero", "path must be a database number"),
        ("unix://", "names no socket path"),
        (f"redis://:{PASSWORD}@cache.internal/0?socket_timeout=soon", "query option"),
    ],
)
def test_a_bad_url_is_refused_without_echoing_it(url: str, problem: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, redis_url=url)

    message = str(raised.value)
    assert "REDIS_URL" in message
    assert problem in message
    assert PASSWORD not in message
    assert "cache.internal" not in message


@pytest.mark.parametrize("seconds", [0, -1])
def test_the_redis_timeout_must_be_positive(seconds: float) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, redis_timeout_seconds=seconds)


def test_settings_repr_hides_the_redis_password() -> None:
    settings = Settings(_env_file=None, redis_url=f"redis://:{PASSWORD}@cache.internal:6379/0")

    for text in (repr(settings), str(settings), str(settings.model_dump())):
        assert PASSWORD not in text


@pytest.mark.parametrize("environment", ["dev", "stage", "prod"])
@pytest.mark.parametrize("url", ["", "  "], ids=["empty", "blank"])
def test_outside_local_redis_url_is_required(environment: str, url: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(
            _env_file=None,
            app_env=environment,
            jwt_secret_key=secrets.token_urlsafe(48),
            redis_url=url,
        )

    assert "REDIS_URL must be set outside local" in str(raised.value)


async def test_in_local_an_unset_redis_url_counts_in_this_process(settings: Settings) -> None:
    local = settings.model_copy(update={"app_env": "local", "redis_url": SecretStr("")})

    async with build_container(local) as container:
        store = container.rate_limiter
        first, _ = await store.increment("ip:192.0.2.1", 60)
        second, _ = await store.increment("ip:192.0.2.1", 60)
        readiness = await container.query_bus.dispatch(CheckReadinessQuery())

    assert local.counts_per_process
    assert isinstance(store, InMemoryThrottleStore)
    assert (first, second) == (1, 2)
    assert readiness.dependencies["redis"] == "not_configured"


async def test_environments_sharing_one_redis_count_apart(settings: Settings) -> None:
    """Stage and prod of one service on one Redis database: neither counts the other's."""
    counts = []
    for environment in ("stage", "prod"):
        deployed = settings.model_copy(update={"app_env": environment})
        async with build_container(deployed) as container:
            counts.append(await container.rate_limiter.increment("ip:192.0.2.1", 60))

    assert [count for count, _ in counts] == [1, 1]
