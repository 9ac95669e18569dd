"""Keeps the request pipeline from logging a traceback for each request an outage fails."""

import logging

from app.infrastructure.errors import is_transient

# fastapi-request-pipeline logs a stage's own exception here, with its traceback.
PIPELINE_LOGGER = "fastapi_request_pipeline.dependency"


class TransientStageErrorFilter(logging.Filter):
    """Drops the pipeline's "Unexpected error in flow component" record when the error is
    one worth a retry (Redis or the database out of reach): the error handlers answer that
    request 503 and log one warning line for it, and an outage would otherwise write a
    traceback per throttled request. Any other error is still logged with its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (isinstance(error, Exception) and is_transient(error))
