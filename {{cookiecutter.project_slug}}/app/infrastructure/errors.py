"""Infrastructure failures, and which of them are worth a retry (503, not 500)."""
{% if cookiecutter.db_driver == "postgresql" %}
import psycopg
{%- endif %}
from row_query import ConnectionError as DatabaseConnectionError
{%- if cookiecutter.db_driver == "postgresql" %}
from row_query import PoolTimeoutError, QueryExecutionError, RowQueryError
{%- else %}
from row_query import PoolTimeoutError, RowQueryError
{%- endif %}


class HashingCapacityError(RuntimeError):
    """Too many password hashes are already queued; the caller should retry shortly."""


INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (RowQueryError, HashingCapacityError)
# The database cannot be reached or has no free connection, or hashing is saturated.
_TRANSIENT: tuple[type[Exception], ...] = (
    DatabaseConnectionError,
    PoolTimeoutError,
    HashingCapacityError,
)


def is_transient(error: Exception) -> bool:
    """True when retrying later may succeed, so clients deserve a 503."""
{%- if cookiecutter.db_driver == "postgresql" %}
    if isinstance(error, _TRANSIENT):
        return True
    # A dropped server connection (restart, failover) fails the query that was using
    # it; the pool discards the broken connection and the next request gets a new one.
    return isinstance(error, QueryExecutionError) and isinstance(
        error.__cause__, psycopg.OperationalError
    )
{%- else %}
    # SQLite has no server to lose; "database is locked" is prevented, not retried.
    return isinstance(error, _TRANSIENT)
{%- endif %}
