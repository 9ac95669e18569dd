"""The composition root: the one place that knows every concrete class.

Everything is built once at startup and closed at shutdown; handlers, routes
and stages receive what they need from here and never construct it.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
{%- if cookiecutter.use_redis == "true" %}
from functools import partial
{%- endif %}

from opentelemetry.sdk.trace import TracerProvider
from row_query import AsyncEngine

from app.application.bus.command_bus import CommandBus
from app.application.bus.event_bus import EventBus
from app.application.bus.observer_chain import observer_of
from app.application.bus.query_bus import QueryBus
from app.application.events.event_serialization import discover_event_types
from app.application.events.handled_once import HandledOnceUnitOfWork
from app.application.events.local_event_publisher import LocalEventPublisher{% if cookiecutter.use_redis == "true" %}, deliver{% endif %}
from app.application.events.outbox_relay import OutboxRelay, RelayLimits
from app.application.ports.dispatch_observer import DispatchObserver
{%- if cookiecutter.use_redis == "true" %}
from app.application.ports.event_publisher import EventPublisher
{%- endif %}
from app.application.ports.reachability_probe import ReachabilityProbe
from app.application.ports.rejection_counter import RejectionCounter
from app.application.read_database import ReadDatabase
from app.application.services.access_token_codec import AccessTokenCodec
from app.application.services.login_throttle import LoginLimits, LoginThrottle
from app.application.services.refresh_throttle import RefreshLimits, RefreshThrottle
from app.application.services.security_audit import SecurityAudit
from app.application.services.token_service import TokenService
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher
from app.infrastructure.clock import SystemClock
from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine
from app.infrastructure.db.repositories.sql_processed_event_log import SqlProcessedEventLog
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.retrying_reader import RetryingReader
{%- endif %}
from app.infrastructure.db.schema_version import expected_schema_version
from app.infrastructure.db.sql_database_probe import SqlDatabaseProbe
from app.infrastructure.db.sql_outbox import SqlOutbox
{%- if cookiecutter.db_driver == "postgresql" %}
from app.infrastructure.db.sql_replica_probe import SqlReplicaProbe
{%- endif %}
from app.infrastructure.db.unit_of_work import SqlUnitOfWork
from app.infrastructure.logging_security_log import LoggingSecurityLog
from app.infrastructure.metrics.prometheus_dispatch_observer import PrometheusDispatchObserver
from app.infrastructure.metrics.prometheus_rejection_counter import PrometheusRejectionCounter
from app.infrastructure.metrics.resource_sampler import sampling
{%- if cookiecutter.use_redis == "true" %}
from app.infrastructure.redis.event_stream import event_stream
from app.infrastructure.redis.shared_counters import shared_counters
{%- endif %}
from app.infrastructure.security.bcrypt_password_hasher import BcryptPasswordHasher
from app.infrastructure.security.cached_access_token_codec import CachedAccessTokenCodec
from app.infrastructure.security.jwt_access_token_codec import JwtAccessTokenCodec
from app.infrastructure.telemetry.traced_database import TracedEngine
from app.infrastructure.telemetry.traced_password_hasher import TracedPasswordHasher
from app.infrastructure.telemetry.tracing_dispatch_observer import TracingDispatchObserver
{%- if cookiecutter.use_redis == "false" %}
from app.infrastructure.throttle.in_memory_throttle_store import InMemoryThrottleStore
{%- endif %}
from app.interfaces.dependencies.container import Container
from app.interfaces.pipeline.stages.rate_limit_scope import RateLimitScope

COMMAND_HANDLERS = "app.application.handlers.commands"
QUERY_HANDLERS = "app.application.handlers.queries"
EVENT_SUBSCRIBERS = "app.application.subscribers"


@asynccontextmanager
async def build_container(
    settings: Settings, tracer_provider: TracerProvider | None = None
) -> AsyncIterator[Container]:
    # Whatever was opened is closed again, in reverse, however startup or shutdown ends.
    async with AsyncExitStack() as resources:
        # The engines and the hasher may be wrapped for tracing below, hence the wider types.
        engine: AsyncEngine = create_engine(settings)
{%- if cookiecutter.db_driver == "sqlite" %}
        # An open aiosqlite engine keeps non-daemon threads alive and hangs exit.
{%- else %}
        # Closed, the pool ends its server sessions now rather than when they time out.
{%- endif %}
        resources.push_async_callback(engine.close)
{%- if cookiecutter.db_driver == "postgresql" %}
        # Same pool size and deadlines as the primary's, on the replica's own connections.
        read_url = settings.database_read_url
        read_engine: AsyncEngine | None = (
            None if read_url is None else create_engine(settings, url=read_url)
        )
        if read_engine is not None:
            resources.push_async_callback(read_engine.close)
{%- endif %}
        bcrypt_hasher = BcryptPasswordHasher(
            rounds=settings.bcrypt_rounds,
            max_concurrency=settings.bcrypt_max_concurrency,
            max_pending=settings.bcrypt_max_pending,
        )
        resources.callback(bcrypt_hasher.close)
        hasher: PasswordHasher = bcrypt_hasher
        clock = SystemClock()
        schema_version = expected_schema_version()
        # Who watches each handler call, and who counts the 429s: nobody, unless METRICS_PORT
        # or an OTEL_* exporter says so.
        security_log = LoggingSecurityLog(settings.jwt_secret_key.get_secret_value().encode())
        # The security audit always watches: admin actions and refusals are logged.
        observers: list[DispatchObserver] = [SecurityAudit(security_log)]
        rejections: RejectionCounter | None = None
        if settings.metrics_port:
            observers.append(PrometheusDispatchObserver())
            rejections = PrometheusRejectionCounter()
            engines = {"primary": engine}
{%- if cookiecutter.db_driver == "postgresql" %}
            if read_engine is not None:
                engines["replica"] = read_engine
{%- endif %}
            await resources.enter_async_context(sampling(engines, bcrypt_hasher))
        if tracer_provider is not None:
            # Spans around SQL, hashing and each dispatch. Shut down, the provider sends what
            # it holds: at most 30 s, each export within OTEL_EXPORTER_OTLP_TIMEOUT.
            resources.callback(tracer_provider.shutdown)
            tracer = tracer_provider.get_tracer("app")
            engine = TracedEngine(engine, tracer)
{%- if cookiecutter.db_driver == "postgresql" %}
            read_engine = None if read_engine is None else TracedEngine(read_engine, tracer)
{%- endif %}
            hasher = TracedPasswordHasher(hasher, tracer)
            observers.append(TracingDispatchObserver(tracer))
        observer = observer_of(observers)
        tokens = TokenService(
            codec=_access_token_codec(settings, clock),
            clock=clock,
            access_ttl=timedelta(minutes=settings.access_token_expire_minutes),
            refresh_ttl=timedelta(days=settings.refresh_token_expire_days),
            session_lifetime=timedelta(days=settings.session_max_lifetime_days),
            max_sessions=settings.max_sessions_per_user,
        )
        # What readiness checks besides the primary database, by name.
        dependencies: dict[str, ReachabilityProbe | None] = {}
{%- if cookiecutter.use_redis == "true" %}
        counters = await resources.enter_async_context(shared_counters(settings))
        throttle_store, dependencies["redis"] = counters.store, counters.probe
{%- else %}
        # Per process: with several workers, a project generated with use_redis=true shares them.
        throttle_store = InMemoryThrottleStore()
{%- endif %}
        login_throttle = LoginThrottle(throttle_store, _login_limits(settings), rejections)
        refresh_throttle = RefreshThrottle(
            throttle_store,
            RefreshLimits(
                failures_per_address=settings.refresh_failures_per_address_per_minute,
                per_session=settings.refreshes_per_session_per_minute,
                window_seconds=60,
            ),
            rejections,
        )
{%- if cookiecutter.db_driver == "postgresql" %}
        # A read that met a connection the server dropped (restart, failover) runs again.
        primary_reader: ReadDatabase = RetryingReader(engine)
{%- else %}
        primary_reader: ReadDatabase = engine
{%- endif %}
        # Readiness looks at the database that takes the writes, whatever `reader` becomes.
        database_probe = SqlDatabaseProbe(engine, primary_reader)
{%- if cookiecutter.db_driver == "postgresql" %}
        # Queries read from the replica when DATABASE_READ_URL names one; a query that must
        # see the latest writes asks for `primary_reader` (README.md, "Reading from a replica").
        reader = primary_reader if read_engine is None else RetryingReader(read_engine)
        dependencies["read_replica"] = None if read_engine is None else SqlReplicaProbe(reader)
{%- else %}
        reader = primary_reader
{%- endif %}
        providers = {
            "uow": lambda: SqlUnitOfWork(engine),
            "reader": lambda: reader,
            "primary_reader": lambda: primary_reader,
            "hasher": lambda: hasher,
            "tokens": lambda: tokens,
            "clock": lambda: clock,
            "login_throttle": lambda: login_throttle,
            "refresh_throttle": lambda: refresh_throttle,
            "security_log": lambda: security_log,
            "database": lambda: database_probe,
            "expected_schema_version": lambda: schema_version,
            "dependencies": lambda: dependencies,
        }
        event_types = discover_event_types()
        # On the engine itself: each read its own statement, outside any transaction.
        committed_marks = SqlProcessedEventLog(engine)
        event_bus = EventBus.discover(
            EVENT_SUBSCRIBERS,
            providers,
            lambda event_id, subscriber: HandledOnceUnitOfWork(
                SqlUnitOfWork(engine),
                event_id=event_id,
                subscriber=subscriber,
                clock=clock,
                marks=committed_marks,
            ),
            timeout_seconds=settings.events_subscriber_timeout_seconds,
        )
{%- if cookiecutter.use_redis == "true" %}
        # A Redis Stream when REDIS_URL is set, else this process's own subscribers.
        stream = await resources.enter_async_context(
            event_stream(settings, partial(deliver, bus=event_bus, event_types=event_types))
        )
        publisher: EventPublisher = (
            LocalEventPublisher(event_bus, event_types) if stream is None else stream.publisher
        )
{%- else %}
        publisher = LocalEventPublisher(event_bus, event_types)
{%- endif %}
        outbox = SqlOutbox(engine)
        event_retention = timedelta(days=settings.events_retention_days)
        providers |= {
            "outbox": lambda: outbox,
            "publisher": lambda: publisher,
            "event_retention": lambda: event_retention,
        }
        relay_limits = RelayLimits(
            batch_size=settings.events_batch_size,
            lease=timedelta(seconds=settings.events_claim_seconds),
        )
        yield Container(
            command_bus=CommandBus.discover(COMMAND_HANDLERS, providers, observer),
            query_bus=QueryBus.discover(QUERY_HANDLERS, providers, observer),
            tokens=tokens,
            rate_limiter=throttle_store,
            rate_limits={
                RateLimitScope.LOGIN: settings.login_rate_limit_per_minute,
                RateLimitScope.REGISTER: settings.register_rate_limit_per_minute,
                RateLimitScope.PASSWORD_CHANGE: settings.password_change_rate_limit_per_minute,
                RateLimitScope.LOGOUT: settings.logout_rate_limit_per_minute,
            },
            relay=OutboxRelay(outbox, publisher, clock, relay_limits),
            security_log=security_log,
{%- if cookiecutter.use_redis == "true" %}
            event_consumer=None if stream is None else stream.consumer,
{%- endif %}
            rejections=rejections,
        )


def _access_token_codec(settings: Settings, clock: Clock) -> AccessTokenCodec:
    codec = JwtAccessTokenCodec(
        secret=settings.jwt_secret_key.get_secret_value(),
        algorithm=settings.jwt_algorithm,
        issuer=settings.jwt_issuer,
        audience=settings.token_audience,
    )
    if settings.access_token_cache_size == 0:
        return codec
    return CachedAccessTokenCodec(codec, clock=clock, max_entries=settings.access_token_cache_size)


def _login_limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        failures_per_account_and_address=settings.login_failures_per_account_and_address,
        failures_per_account=settings.login_failures_per_account,
        window_seconds=settings.login_failure_window_minutes * 60,
        known_address_seconds=settings.login_known_address_days * 24 * 60 * 60,
    )
