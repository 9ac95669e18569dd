"""Infrastructure failures the HTTP layer reports as 503 rather than 500."""

from row_query import ConnectionError as DatabaseConnectionError
from row_query import PoolTimeoutError

# The database cannot be reached or has no free connection: retrying later may work.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (DatabaseConnectionError, PoolTimeoutError)
