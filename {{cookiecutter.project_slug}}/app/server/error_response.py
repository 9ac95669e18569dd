import asyncio
import json
from collections.abc import Iterable
from http import HTTPStatus


def send_error_and_close(
    transport: asyncio.Transport,
    status: HTTPStatus,
    message: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Answer in the service's error envelope, outside any request cycle, and hang up.

    Used before uvicorn has a request to hand to the app, so the app's error handlers
    cannot render it.
    """
    body = json.dumps({"error": {"code": status.name, "message": message, "details": {}}}).encode()
    lines = [f"HTTP/1.1 {status.value} {status.phrase}".encode()]
    fields = [
        *headers,
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    lines += [name + b": " + value for name, value in fields]
    transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    transport.close()
