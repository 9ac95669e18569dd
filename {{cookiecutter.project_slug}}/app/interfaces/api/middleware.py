"""Outermost HTTP concerns as one pure ASGI middleware (no per-request task hop).

- request id: taken from X-Request-ID when sane, generated otherwise, echoed back, and
  with the client's address the request's correlation (app/application/correlation.py);
- security headers on every response, errors and 404s included (security_headers.py):
  nosniff, so no browser second-guesses a JSON body as HTML, a Content-Security-Policy,
  Referrer-Policy and, when configured, Strict-Transport-Security;
- body limit: 413 before reading more than MAX_REQUEST_BODY_BYTES;
- last-resort errors: 500 in the envelope, traceback only in the log;
- shutdown: a request the server cancels (SHUTDOWN_TIMEOUT_SECONDS ran out) before its
  response started gets a 503 with Retry-After, so clients retry elsewhere;
- access log: one line per request (JSON or console, per LOG_FORMAT; access_log.py).
"""

import asyncio
import json
import logging
import os
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.application.correlation import Correlation, current_correlation
from app.interfaces.api.access_log import AccessLog
from app.interfaces.api.schemas.errors import envelope
from app.interfaces.api.schemas.headers import REQUEST_ID_PATTERN
from app.interfaces.api.security_headers import SecurityHeaders

error_logger = logging.getLogger("app.errors")
_SAFE_REQUEST_ID = re.compile(REQUEST_ID_PATTERN)
# Another instance, or this one restarted, can take the request a second later.
_SHUTDOWN_RETRY_AFTER_SECONDS = 1


class BodyTooLargeError(Exception):
    pass


class RequestMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, security_headers: SecurityHeaders
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.security_headers = security_headers
        self.access_log = AccessLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        # Exposed as request.state.request_id, so error handlers can log it.
        scope.setdefault("state", {})["request_id"] = request_id
        client = scope.get("client")
        correlated = current_correlation.set(Correlation(request_id, client[0] if client else None))
        header = (b"x-request-id", request_id.encode())
        security = self.security_headers.for_path(scope["path"])
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", []), header, *security]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise BodyTooLargeError
            return message

        try:
            if _declared_length(scope) > self.max_body_bytes:
                raise BodyTooLargeError
            await self.app(scope, limited_receive, send_with_id)
        except BodyTooLargeError:
            if not response_started:
                await _send_error(send_with_id, 413, "PAYLOAD_TOO_LARGE", "Request body too large")
        except asyncio.CancelledError:
            if not response_started:
                error_logger.warning(
                    "request cancelled by shutdown, answered 503",
                    extra={"request_id": request_id},
                )
                await _send_error(
                    send_with_id,
                    503,
                    "SERVICE_UNAVAILABLE",
                    "The server is shutting down",
                    {"retry_after_seconds": _SHUTDOWN_RETRY_AFTER_SECONDS},
                    [
                        (b"retry-after", str(_SHUTDOWN_RETRY_AFTER_SECONDS).encode()),
                        (b"connection", b"close"),
                    ],
                )
            # The server cancelled the task to stop it: it must still stop.
            raise
        except Exception:
            error_logger.exception("unhandled error", extra={"request_id": request_id})
            if not response_started:
                await _send_error(send_with_id, 500, "INTERNAL_ERROR", "Internal server error")
        finally:
            current_correlation.reset(correlated)
            self.access_log.write(scope, request_id, status, started)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = str(value.decode("latin-1"))
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    # As random as a uuid4's hex (and as long), without building a UUID first.
    return os.urandom(16).hex()


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


async def _send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps(envelope(code, message, details)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
