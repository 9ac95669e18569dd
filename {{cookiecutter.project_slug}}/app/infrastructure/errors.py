"""Infrastructure failures, and which of them are worth a retry (503, not 500)."""
{% if cookiecutter.db_driver == "postgresql" %}
import psycopg
{% else %}
import sqlite3

{% endif -%}
from row_query import ConnectionError as DatabaseConnectionError
from row_query import PoolTimeoutError, QueryExecutionError, RowQueryError


class HashingCapacityError(RuntimeError):
    """Too many password hashes are already queued; the caller should retry shortly."""


class DatabaseTimeoutError(RowQueryError):  # type: ignore[misc]
    """A database operation outlived DATABASE_QUERY_TIMEOUT_SECONDS and was given up."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The database did not answer within {seconds:g} s (DATABASE_QUERY_TIMEOUT_SECONDS)"
        )
{%- if cookiecutter.db_driver == "postgresql" %}


class ConnectionLostError(DatabaseConnectionError):  # type: ignore[misc]
    """A pooled connection turned out to be dead: the server closed it (restart, failover)."""
{%- endif %}
{%- if cookiecutter.use_redis == "true" %}


class RedisUnavailableError(RuntimeError):
    """Redis did not answer within REDIS_TIMEOUT_SECONDS, could not be reached or refused
    the command. Counters that cannot be read are no reason to let a request through."""
{%- endif %}


INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (
    RowQueryError,
    HashingCapacityError,
{%- if cookiecutter.use_redis == "true" %}
    RedisUnavailableError,
{%- endif %}
)
# The database cannot be reached, is too slow or has no free connection, or hashing is
# saturated{% if cookiecutter.use_redis == "true" %}, or Redis is out of reach{% endif %}.
_TRANSIENT: tuple[type[Exception], ...] = (
    DatabaseConnectionError,
    DatabaseTimeoutError,
    PoolTimeoutError,
    HashingCapacityError,
{%- if cookiecutter.use_redis == "true" %}
    RedisUnavailableError,
{%- endif %}
)


def is_transient(error: Exception) -> bool:
    """True when retrying later may succeed, so clients deserve a 503."""
    if isinstance(error, _TRANSIENT) or is_read_only(error):
        return True
{%- if cookiecutter.db_driver == "postgresql" %}
    # A dropped server connection (restart, failover) fails the query that was using
    # it; the pool discards the broken connection and the next request gets a new one.
    return isinstance(error, QueryExecutionError) and isinstance(
        error.__cause__, psycopg.OperationalError
    )
{%- else %}
    return _sqlite_error_code(error) in _TRANSIENT_SQLITE_CODES
{%- endif %}


def is_read_only(error: Exception) -> bool:
    """True when the database refused a write because it is read-only (file, mount, standby).

    Transient too: the file or mount is made writable again, the standby is promoted.
    """
{%- if cookiecutter.db_driver == "postgresql" %}
    return isinstance(error, QueryExecutionError) and isinstance(
        error.__cause__, psycopg.errors.ReadOnlySqlTransaction
    )
{%- else %}
    return _sqlite_error_code(error) == sqlite3.SQLITE_READONLY
{%- endif %}
{%- if cookiecutter.db_driver == "sqlite" %}


# The environment, not the request, is at fault, and fixing it needs no restart: space is
# freed, another process releases its write lock, the file becomes writable or comes back.
_TRANSIENT_SQLITE_CODES = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
    }
)


def _sqlite_error_code(error: Exception) -> int | None:
    """The primary SQLite result code behind a failed statement, if there is one."""
    cause = error.__cause__
    if isinstance(error, QueryExecutionError) and isinstance(cause, sqlite3.Error):
        return cause.sqlite_errorcode & 0xFF
    return None
{%- endif %}
