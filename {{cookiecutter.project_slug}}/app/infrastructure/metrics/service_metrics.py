"""Every time series the service exports, in one place (README.md, "Metrics").

Defined once per process, at import, as prometheus_client expects; in a process
that `serve` started with several workers, PROMETHEUS_MULTIPROC_DIR is set
before this is imported, so each value lands in a file the metrics port adds up.
Labels take bounded values only: route templates, message types, limit names.
"""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "HTTP requests by method, route template and status, and how long they took; "
    "_count is the number of requests",
    ["method", "route", "status"],
)
BUS_HANDLER_SECONDS = Histogram(
    "bus_handler_duration_seconds",
    "Command and query handler calls by message type and outcome, and how long they took",
    ["kind", "message_type", "outcome"],
)
RATE_LIMIT_REJECTIONS = Counter(
    "rate_limit_rejections",
    "Requests answered 429 by a rate limit or the login throttle, by limit",
    ["limit"],
)
# Sampled (resource_sampler.py); with several workers, the live workers' values added up.
DB_POOL_SIZE = Gauge(
    "db_pool_size",
    "The most connections the pool opens",
    ["database"],
    multiprocess_mode="livesum",
)
DB_POOL_OPEN = Gauge(
    "db_pool_connections_open",
    "Connections the pool holds open",
    ["database"],
    multiprocess_mode="livesum",
)
DB_POOL_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Connections lent out of the pool",
    ["database"],
    multiprocess_mode="livesum",
)
BCRYPT_PENDING = Gauge(
    "bcrypt_pending_hashes",
    "Password hashes running or queued (BCRYPT_MAX_PENDING bounds them)",
    multiprocess_mode="livesum",
)
