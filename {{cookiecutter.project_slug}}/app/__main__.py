"""Operational commands: `python -m app migrate | create-admin | purge-tokens | serve`."""

import argparse
import asyncio
import getpass
import os
import sys

from row_query import RowQueryError

from app.application.commands.create_user import CreateUserCommand
from app.application.commands.purge_expired_tokens import PurgeExpiredTokensCommand
from app.application.dto.user import UserDTO
from app.bootstrap import build_container
from app.domain.errors import DomainError
from app.domain.value_objects.role import Role
from app.infrastructure.config import ConfigurationError, Settings, load_settings
from app.infrastructure.db.migrate import apply_migrations
from app.server.connection_limits import ConnectionLimits
from app.server.protocol_choice import HTTP_IMPLEMENTATIONS, http_protocol
from app.server.runner import run_server
from app.server.server_config import ServerConfig


def migrate() -> int:
    settings = load_settings()
    applied = apply_migrations(
        settings.database_url.get_secret_value(),
        lock_timeout=settings.migration_lock_timeout_seconds,
    )
    print(f"Applied {len(applied)} migration(s): {', '.join(applied) or 'already up to date'}")
    return 0


def create_admin(email: str) -> int:
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Admin password: ")

    async def run() -> UserDTO:
        async with build_container(load_settings()) as container:
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


def purge_tokens() -> int:
    async def run() -> int:
        async with build_container(load_settings()) as container:
            return await container.command_bus.dispatch(PurgeExpiredTokensCommand())

    print(f"Deleted {asyncio.run(run())} expired refresh token(s)")
    return 0


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
    commands.add_parser("purge-tokens", help="delete expired refresh tokens (run it daily)")
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
            return create_admin(args.email)
        if args.command == "purge-tokens":
            return purge_tokens()
        return serve(args)
    except (ConfigurationError, RowQueryError) as error:
        # One readable line; these messages never contain the database password.
        # Driver messages may span lines (libpq adds a hint): keep them on one.
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
