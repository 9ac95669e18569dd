"""Operational commands: `python -m app migrate | create-admin | revoke-sessions |
purge-tokens | serve`,
and the event workers: `relay-events`{% if cookiecutter.use_redis == "true" %}, `consume-events`{% endif %}, `purge-events`."""

import argparse
import asyncio
import getpass
import logging
import os
import sys
import uuid
from pathlib import Path

from row_query import RowQueryError

from app.application.commands.create_user import CreateUserCommand
from app.application.commands.end_all_sessions import EndAllSessionsCommand
from app.application.commands.end_user_sessions import EndUserSessionsCommand
from app.application.commands.purge_events import PurgedEventCounts, PurgeEventsCommand
from app.application.commands.purge_expired_tokens import PurgeExpiredTokensCommand
from app.application.dto.user import UserDTO
{%- if cookiecutter.use_redis == "true" %}
from app.application.ports.event_consumer import EventConsumer
{%- endif %}
from app.application.ports.event_publisher import PublishIncompleteError
from app.bootstrap import build_container
from app.domain.errors import DomainError
from app.domain.value_objects.role import Role
from app.infrastructure.config import ConfigurationError, Settings, load_settings
from app.infrastructure.db.migrate import apply_migrations
{%- if cookiecutter.use_redis == "true" %}
from app.infrastructure.errors import RedisUnavailableError
{%- endif %}
from app.infrastructure.logging import configure_logging
from app.infrastructure.metrics.metrics_endpoint import metrics_endpoint
{%- if cookiecutter.use_redis == "true" %}
from app.infrastructure.redis.redis_stream_consumer import EntryNotDeliveredError
{%- endif %}
from app.infrastructure.secret_files import read_secret
{%- if cookiecutter.use_redis == "true" %}
from app.interfaces.dependencies.container import Container
{%- endif %}
from app.interfaces.workers.polling_loop import Pacing, keep_running, reason, stop_on_signals
from app.server.connection_limits import ConnectionLimits
from app.server.protocol_choice import HTTP_IMPLEMENTATIONS, http_protocol
from app.server.runner import run_server
from app.server.server_config import ServerConfig

logger = logging.getLogger("app.workers")


def _logged_settings() -> Settings:
    """The settings, with the process's logs (its security events too) going where they say."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings


def migrate() -> int:
    settings = load_settings()
    applied = apply_migrations(
        settings.database_url.get_secret_value(),
        lock_timeout=settings.migration_lock_timeout_seconds,
    )
    print(f"Applied {len(applied)} migration(s): {', '.join(applied) or 'already up to date'}")
    return 0


def create_admin(email: str, password_file: Path | None) -> int:
    password = _admin_password(password_file)

    settings = _logged_settings()  # the admin's creation is a security event

    async def run() -> UserDTO:
        async with build_container(settings) as container:
            admin: UserDTO = await container.command_bus.dispatch(
                CreateUserCommand(email=email, password=password, requester=None, role=Role.ADMIN)
            )
            return admin

    try:
        admin = asyncio.run(run())
    except DomainError as error:
        print(f"Could not create the admin: {error.message}", file=sys.stderr)
        return 1
    print(f"Created admin {admin.email}")
    return 0


def _admin_password(password_file: Path | None) -> str:
    # A file or a prompt keeps the password off the command line and out of shell history.
    if password_file is None:
        return os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Admin password: ")
    try:
        return read_secret(password_file, "--password-file")
    except ValueError as error:
        raise ConfigurationError(str(error)) from None


def purge_tokens() -> int:
    async def run() -> int:
        async with build_container(load_settings()) as container:
            return await container.command_bus.dispatch(PurgeExpiredTokensCommand())

    print(f"Deleted {asyncio.run(run())} expired refresh token(s)")
    return 0


def revoke_sessions(user_id: uuid.UUID | None) -> int:
    """End the sessions of one account, or of all: their refresh tokens stop working."""

    settings = _logged_settings()  # ending sessions is a security event

    async def run() -> int | None:
        async with build_container(settings) as container:
            if user_id is None:
                return await container.command_bus.dispatch(EndAllSessionsCommand())
            await container.command_bus.dispatch(
                EndUserSessionsCommand(user_id=user_id, requester=None)
            )
            return None

    try:
        ended = asyncio.run(run())
    except DomainError as error:
        print(f"Could not end the sessions: {error.message}", file=sys.stderr)
        return 1
    print(f"Ended {ended} session(s)" if ended is not None else f"Ended the sessions of {user_id}")
    return 0


def purge_events() -> int:
    async def run() -> PurgedEventCounts:
        async with build_container(load_settings()) as container:
            return await container.command_bus.dispatch(PurgeEventsCommand())

    purged = asyncio.run(run())
    counts = [
        f"{purged.published} published event(s)",
        f"{purged.processed} processed-event mark(s)",
    ]
{%- if cookiecutter.use_redis == "true" %}
    counts.append(f"{purged.streamed} stream entries")
{%- endif %}
    print(f"Deleted {', '.join(counts)}")
    return 0


def relay_events(once: bool) -> int:
    settings = _logged_settings()

    async def run() -> int:
        if once:
            async with build_container(settings) as container:
                return await container.relay.drain()
        stop = asyncio.Event()
        # Before startup: a SIGTERM that comes while the worker starts ends it once started.
        with stop_on_signals(stop):
            async with build_container(settings) as container:
                logger.info(
                    "relay-events publishes to %s, %d event(s) a batch, each claimed for %g s",
                    _event_destination(settings),
                    settings.events_batch_size,
                    settings.events_claim_seconds,
                )
                await keep_running(
                    "relay-events",
                    container.relay.relay_batch,
                    _pacing(settings),
                    stop,
                    done="published",
                )
        return 0

    try:
        published = asyncio.run(run())
    except PublishIncompleteError as error:
        # What went out is marked; the rest goes on the next run.
        return _failed(error)
    if once:
        print(f"Published {published} event(s)")
    return 0


def _event_destination(settings: Settings) -> str:
{%- if cookiecutter.use_redis == "true" %}
    if not settings.counts_per_process:
        return f"the Redis stream {settings.event_stream_key}"
{%- endif %}
    return "this process's subscribers"
{%- if cookiecutter.use_redis == "true" %}


def consume_events(once: bool) -> int:
    settings = load_settings()
    if settings.counts_per_process:
        raise ConfigurationError(
            "consume-events reads the Redis Stream: set REDIS_URL (without it, relay-events "
            "hands the events to the subscribers itself)"
        )
    configure_logging(settings.log_level, settings.log_format)

    async def run() -> int:
        if once:
            async with build_container(settings) as container:
                consumer = _consumer(container)
                total = 0
                while handled := await consumer.consume_batch():
                    total += handled
                return total
        stop = asyncio.Event()
        # Before startup, as for relay-events.
        with stop_on_signals(stop):
            async with build_container(settings) as container:
                consumer = _consumer(container)
                logger.info(
                    "consume-events reads the Redis stream %s in group %s as consumer %s",
                    settings.event_stream_key,
                    settings.events_consumer_group,
                    settings.event_consumer_name,
                )
                await keep_running(
                    "consume-events",
                    consumer.consume_batch,
                    _pacing(settings),
                    stop,
                    done="handled",
                )
        return 0

    try:
        handled = asyncio.run(run())
    except EntryNotDeliveredError as error:
        # Not acknowledged: the entry stays pending, and comes first the next time.
        return _failed(error)
    if once:
        print(f"Handled {handled} event(s)")
    return 0


def _consumer(container: Container) -> EventConsumer:
    consumer = container.event_consumer
    assert consumer is not None, "REDIS_URL is set, so the stream is there"
    return consumer
{%- endif %}


def _failed(error: Exception) -> int:
    """A delivery that failed, in one line (the reason chain, shortened), for `--once`."""
    print(f"error: {reason(error)}", file=sys.stderr)
    return 1


def _pacing(settings: Settings) -> Pacing:
    return Pacing(
        idle_seconds=settings.events_poll_seconds,
        max_backoff_seconds=settings.events_retry_max_seconds,
    )


def serve(options: argparse.Namespace) -> int:
    # uvicorn imports app.main itself and would report bad settings as a traceback.
    settings = load_settings()
    workers = _worker_count(options.workers)
    # --reload runs one process whatever the worker count says.
    if workers > 1 and not options.reload:
        _check_several_workers(settings, workers)
    limits = ConnectionLimits(
        max_connections=settings.http_max_connections,
        max_header_bytes=settings.http_max_header_bytes,
        header_timeout_seconds=settings.http_header_timeout_seconds,
        body_timeout_seconds=settings.http_body_timeout_seconds,
    )
    config = ServerConfig(
        "app.main:app",
        limits=limits,
        host=options.host,
        port=options.port,
        http=http_protocol(options.http),
        workers=workers,
        reload=options.reload,
        reload_dirs=options.reload_dir,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        timeout_keep_alive=settings.http_keep_alive_timeout_seconds,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )
    # Workers are other processes when there are several, and under --reload.
    with metrics_endpoint(settings, several_processes=config.use_subprocess):
        return run_server(config)


def _check_several_workers(settings: Settings, workers: int) -> None:
    if settings.signs_with_a_per_process_key:
        raise ConfigurationError(
            f"{workers} workers without JWT_SECRET_KEY would each sign with a random key of "
            "their own and reject the tokens the others issued: set JWT_SECRET_KEY (see "
            ".env.example) or run one worker"
        )
    if settings.counts_per_process:
        print(
            f"warning: {workers} workers: the rate limits and the login throttle count per "
            f"process, so a client gets up to {workers} times each limit; for counters every "
{%- if cookiecutter.use_redis == "true" %}
            "process shares, set REDIS_URL",
{%- else %}
            "process shares, generate the project with use_redis=true (Redis, REDIS_URL)",
{%- endif %}
            file=sys.stderr,
        )


def _worker_count(option: int | None) -> int:
    if option is not None:
        return option
    # From the process environment only, as uvicorn would; a typo must not crash. Empty
    # (how deploy tools often leave a variable off) means unset, as for every setting.
    text = os.environ.get("WEB_CONCURRENCY", "").strip() or "1"
    if not text.isdecimal() or int(text) < 1:
        raise ConfigurationError(
            f"WEB_CONCURRENCY must be a whole number of at least 1, not {text!r}"
        )
    return int(text)


def _positive(text: str) -> int:
    if not text.isdecimal() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply pending database migrations")
    admin = commands.add_parser("create-admin", help="create an admin user")
    admin.add_argument("--email", required=True)
    admin.add_argument(
        "--password-file",
        type=Path,
        help="read the password from this file (default: ADMIN_PASSWORD, else a prompt)",
    )
    revoke = commands.add_parser(
        "revoke-sessions", help="end sessions: their refresh tokens stop working"
    )
    whose = revoke.add_mutually_exclusive_group(required=True)
    whose.add_argument("--user", type=uuid.UUID, metavar="ID", help="one account's, by user id")
    whose.add_argument("--all", action="store_true", help="every account's")
    commands.add_parser("purge-tokens", help="delete expired refresh tokens (run it daily)")
    relay = commands.add_parser("relay-events", help="publish the outbox's events, until stopped")
    relay.add_argument("--once", action="store_true", help="publish what is there, then exit")
{%- if cookiecutter.use_redis == "true" %}
    consume = commands.add_parser(
        "consume-events", help="hand the stream's events to the subscribers, until stopped"
    )
    consume.add_argument("--once", action="store_true", help="handle what is there, then exit")
{%- endif %}
    commands.add_parser(
        "purge-events", help="delete events delivered before EVENTS_RETENTION_DAYS (run it daily)"
    )
    server = commands.add_parser("serve", help="run the HTTP server")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    server.add_argument(
        "--http",
        choices=HTTP_IMPLEMENTATIONS,
        default="auto",
        help="HTTP parser (auto: httptools when installed, else h11)",
    )
    server.add_argument(
        "--workers", type=_positive, help="worker processes (default: WEB_CONCURRENCY, else 1)"
    )
    server.add_argument("--reload", action="store_true", help="restart when the code changes")
    server.add_argument("--reload-dir", action="append", help="directory --reload watches")
    args = parser.parse_args(argv)
    try:
        if args.command == "migrate":
            return migrate()
        if args.command == "create-admin":
            return create_admin(args.email, args.password_file)
        if args.command == "revoke-sessions":
            return revoke_sessions(args.user)
        if args.command == "purge-tokens":
            return purge_tokens()
        if args.command == "relay-events":
            return relay_events(args.once)
{%- if cookiecutter.use_redis == "true" %}
        if args.command == "consume-events":
            return consume_events(args.once)
{%- endif %}
        if args.command == "purge-events":
            return purge_events()
        return serve(args)
    except (ConfigurationError, RowQueryError{% if cookiecutter.use_redis == "true" %}, RedisUnavailableError{% endif %}) as error:
        # One readable line; these messages never contain the database password.
        # Driver messages may span lines (libpq adds a hint): keep them on one.
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
