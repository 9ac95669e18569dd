"""Keeps uvicorn from logging a traceback for each request it cancels at shutdown."""

import asyncio
import logging


class ShutdownCancellationFilter(logging.Filter):
    """Drops uvicorn's "Exception in ASGI application" record when the exception is the
    cancellation uvicorn itself sent once SHUTDOWN_TIMEOUT_SECONDS ran out. The request
    middleware has answered that request 503 and logged one warning line for it; any
    other exception is still logged with its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        return not (exc_info and isinstance(exc_info[1], asyncio.CancelledError))
