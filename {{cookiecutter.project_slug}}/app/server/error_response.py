import asyncio
import json
import uuid
from collections.abc import Iterable
from http import HTTPStatus


def send_error_and_close(
    transport: asyncio.Transport,
    status: HTTPStatus,
    code: str,
    message: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Answer in the service's error envelope, outside any request cycle, and hang up.

    Used when the app cannot answer (no request to hand it yet, or none any more), so
    this carries what the app's middleware adds to every response: nosniff, the API's
    Content-Security-Policy and Referrer-Policy, and a request id (a new one: the
    request, if any, could not be read).
    """
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}}).encode()
    lines = [f"HTTP/1.1 {status.value} {status.phrase}".encode()]
    fields = [
        *headers,
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-request-id", uuid.uuid4().hex.encode()),
        (b"connection", b"close"),
    ]
    lines += [name + b": " + value for name, value in fields]
    transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    transport.close()
