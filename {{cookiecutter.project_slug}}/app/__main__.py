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
from app.infrastructure.config import ConfigurationError, load_settings
from app.infrastructure.db.migrate import apply_migrations


def migrate() -> int:
    applied = apply_migrations(load_settings().database_url.get_secret_value())
    print(f"Applied {len(applied)} migration(s): {', '.join(applied) or 'already up to date'}")
    return 0


def create_admin(email: str) -> int:
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Admin password: ")

    async def run() -> UserDTO:
        async with build_container(load_settings()) as container:
            admin: UserDTO = await container.command_bus.dispatch(
                CreateUserCommand(email=email, password=password, role=Role.ADMIN)
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


def serve(host: str, port: int) -> int:
    import uvicorn

    # uvicorn imports app.main itself and would report bad settings as a traceback.
    load_settings()
    uvicorn.run("app.main:app", host=host, port=port, proxy_headers=True)
    return 0


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
    args = parser.parse_args(argv)
    try:
        if args.command == "migrate":
            return migrate()
        if args.command == "create-admin":
            return create_admin(args.email)
        if args.command == "purge-tokens":
            return purge_tokens()
        return serve(args.host, args.port)
    except (ConfigurationError, RowQueryError) as error:
        # One readable line; these messages never contain the database password.
        # Driver messages may span lines (libpq adds a hint): keep them on one.
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
