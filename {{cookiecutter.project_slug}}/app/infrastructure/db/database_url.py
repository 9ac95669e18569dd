"""DATABASE_URL -> rowquery ConnectionConfig.

rowquery has no URL support, so the accepted forms are parsed here:
`sqlite+aiosqlite:///./dev.db`, `sqlite:///relative.db`, `sqlite:////abs/path.db`,
`postgresql://user:pass@host:port/db?sslmode=require` (also `postgres://`,
`postgresql+psycopg://`). Error messages never echo the URL: it may hold a password.
"""

from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from row_query import ConnectionConfig

SQLITE_SCHEMES = frozenset({"sqlite", "sqlite+aiosqlite"})
POSTGRESQL_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
# How a message names each driver, and the URL it suggests for it.
DRIVER_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
EXAMPLE_URLS = {
    "sqlite": "sqlite+aiosqlite:///./path.db",
    "postgresql": "postgresql://user:password@host:5432/dbname",
}

# libpq parameters that notice a server host or network that vanished without closing
# the connection: probes after 30 s idle, and at most 30 s for unacknowledged data.
TCP_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


class DatabaseUrlError(ValueError):
    pass


def parse_database_url(
    url: str, *, pool_size: int = 10, pool_timeout: float = 10.0
) -> ConnectionConfig:
    if url_driver(url) == "sqlite":
        rest = url.partition("://")[2]
        return _sqlite(rest, pool_size=pool_size, pool_timeout=pool_timeout)
    return _postgresql(url, pool_size=pool_size, pool_timeout=pool_timeout)


def url_driver(url: str) -> str:
    """The driver a URL is for, told by its scheme alone."""
    scheme = url.partition("://")[0].lower()
    if scheme in SQLITE_SCHEMES:
        return "sqlite"
    if scheme in POSTGRESQL_SCHEMES:
        return "postgresql"
    raise DatabaseUrlError(
        "DATABASE_URL must start with sqlite:///, sqlite+aiosqlite:/// or postgresql://"
    )


def require_driver(url: str, driver: str) -> None:
    """Refuse a URL for another driver than ``driver``, the one the project was generated for.

    Such a URL parses, but fails later with an error about a driver module the project
    does not install; this says what is wrong, before any connection is tried.
    """
    found = url_driver(url)
    if found != driver:
        raise DatabaseUrlError(
            f"DATABASE_URL is a {DRIVER_NAMES[found]} URL, but this project was generated for "
            f"{DRIVER_NAMES[driver]} (db_driver={driver}): use {EXAMPLE_URLS[driver]}"
        )


def _sqlite(rest: str, *, pool_size: int, pool_timeout: float) -> ConnectionConfig:
    if not rest.startswith("/"):
        raise DatabaseUrlError("A SQLite DATABASE_URL looks like sqlite:///path/to/file.db")
    path = rest[1:].split("?", 1)[0]
    if not path or path == ":memory:":
        # Every pooled connection would see its own empty in-memory database.
        raise DatabaseUrlError("DATABASE_URL must name a SQLite file, not :memory:")
    return ConnectionConfig(
        driver="sqlite", database=path, pool_size=pool_size, pool_timeout=pool_timeout
    )


def _postgresql(url: str, *, pool_size: int, pool_timeout: float) -> ConnectionConfig:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DatabaseUrlError("DATABASE_URL has an invalid host or port") from None
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not database:
        raise DatabaseUrlError(
            "A PostgreSQL DATABASE_URL looks like postgresql://user:password@host:5432/dbname"
        )
    # Defaults first: whatever the URL's query string sets wins.
    extra: dict[str, Any] = {"connect_timeout": 5, **TCP_KEEPALIVES}
    extra.update(parse_qsl(parts.query))
    return ConnectionConfig(
        driver="postgresql",
        host=parts.hostname,
        port=port or 5432,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=database,
        pool_size=pool_size,
        pool_timeout=pool_timeout,
        extra=extra,
    )
