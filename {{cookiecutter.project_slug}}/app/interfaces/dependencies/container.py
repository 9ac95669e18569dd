"""The objects routes and stages need, built once by the composition root.

`app.bootstrap` builds a Container at startup and stores it on `app.state`;
these dependencies only read it, so nothing is rebuilt per request.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from fastapi import Request
from fastapi_request_pipeline import ThrottleBackend

from app.application.bus.command_bus import CommandBus
from app.application.bus.query_bus import QueryBus
from app.application.events.outbox_relay import OutboxRelay
{%- if cookiecutter.use_redis == "true" %}
from app.application.ports.event_consumer import EventConsumer
{%- endif %}
from app.application.ports.rejection_counter import RejectionCounter
from app.application.ports.security_log import SecurityLog
from app.application.services.token_service import TokenService
from app.interfaces.pipeline.stages.rate_limit_scope import RateLimitScope


@dataclass(frozen=True, slots=True)
class Container:
    command_bus: CommandBus
    query_bus: QueryBus
    tokens: TokenService
    rate_limiter: ThrottleBackend
    rate_limits: Mapping[RateLimitScope, int]  # requests per minute; 0 = no limit
    relay: OutboxRelay
    security_log: SecurityLog
{%- if cookiecutter.use_redis == "true" %}
    # None while REDIS_URL is unset: then the relay hands events to the subscribers itself.
    event_consumer: EventConsumer | None
{%- endif %}
    # None unless METRICS_PORT is set: then each 429 of a rate limit is counted.
    rejections: RejectionCounter | None = None


def get_container(request: Request) -> Container:
    return cast(Container, request.app.state.container)
