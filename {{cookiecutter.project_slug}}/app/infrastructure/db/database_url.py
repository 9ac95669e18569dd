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


class DatabaseUrlError(ValueError):
    pass


def parse_database_url(
    url: str, *, pool_size: int = 10, pool_timeout: float = 10.0
) -> ConnectionConfig:
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme in SQLITE_SCHEMES:
        return _sqlite(rest, pool_size=pool_size, pool_timeout=pool_timeout)
    if scheme in POSTGRESQL_SCHEMES:
        return _postgresql(url, pool_size=pool_size, pool_timeout=pool_timeout)
    raise DatabaseUrlError(
        "DATABASE_URL must start with sqlite:///, sqlite+aiosqlite:/// or postgresql://"
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
    extra: dict[str, Any] = {"connect_timeout": 5}
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
