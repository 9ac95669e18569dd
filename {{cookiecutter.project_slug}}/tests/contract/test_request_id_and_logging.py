"""X-Request-ID handling and the one-line-per-request access log, in JSON and console form."""

import asyncio
import json
import logging
import uuid

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message, Scope

from app.infrastructure.config import Settings
from app.infrastructure.logging import JsonFormatter

from .helpers import (
    CLIENT_ADDRESS,
    LOGIN,
    PASSWORD,
    REGISTER,
    USERS,
    Account,
    client_for,
    new_email,
    running_client,
    signed_up,
)

ACCESS_LOGGER = "app.access"
ACCESS_FIELDS = {"method", "path", "status", "duration_ms", "request_id", "client"}


async def _lines_written() -> None:
    """The access log writes a turn of the event loop's lines at the start of the next."""
    await asyncio.sleep(0)


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The access records, rendered the way the service writes them to stdout."""
    formatter = JsonFormatter()
    lines: list[dict[str, object]] = []
    for record in caplog.records:
        if record.name == ACCESS_LOGGER:
            rendered = formatter.format(record)
            assert "\n" not in rendered
            lines.append(json.loads(rendered))
    return lines


@pytest.mark.parametrize(
    "request_id",
    ["abc-123", str(uuid.uuid4()), "trace.id:42_x", "a" * 128],
    ids=["simple", "uuid", "punctuation", "max-length"],
)
async def test_sane_request_id_is_echoed(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get("/health", headers={"X-Request-ID": request_id})

    assert response.headers["X-Request-ID"] == request_id


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/health")

    assert first.headers["X-Request-ID"]
    assert second.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "request_id",
    ["a" * 129, "has space", "semi;colon", '"quoted"', "<script>", "", "ünïcode"],
    ids=["too-long", "space", "semicolon", "quotes", "markup", "empty", "non-ascii"],
)
async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get("/health", headers={b"X-Request-ID": request_id.encode()})

    echoed = response.headers["X-Request-ID"]
    assert echoed != request_id
    assert echoed
    assert len(echoed) <= 128


async def test_request_id_with_a_newline_is_replaced(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A CR/LF cannot reach the header or the log (httpx refuses to send one, so go raw ASGI)."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/health",
        "raw_path": b"/health",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"x-request-id", b"evil\r\nSet-Cookie: x=1")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await transport.app(scope, receive, send)
        await _lines_written()

    start = next(message for message in messages if message["type"] == "http.response.start")
    headers = dict(start["headers"])
    assert start["status"] == 200
    assert b"evil" not in headers[b"x-request-id"]
    assert b"\n" not in headers[b"x-request-id"]
    (line,) = _access_lines(caplog)
    assert "evil" not in str(line["request_id"])
    assert "evil" not in caplog.text


@pytest.mark.parametrize(
    ("method", "path", "json_body", "status"),
    [
        ("GET", "/health", None, 200),
        ("GET", "/missing", None, 404),
        ("POST", REGISTER, {"email": "x@example.com", "password": PASSWORD}, 201),
        ("POST", LOGIN, {"email": "nobody@example.com", "password": PASSWORD}, 401),
        ("POST", REGISTER, {"email": "x@example.com"}, 422),
    ],
    ids=["health", "not-found", "register", "login-failed", "invalid"],
)
async def test_one_json_access_line_per_request(
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    json_body: dict[str, str] | None,
    status: int,
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        response = await client.request(
            method, path, json=json_body, headers={"X-Request-ID": "req-42"}
        )
        await _lines_written()

    assert response.status_code == status
    (line,) = _access_lines(caplog)
    assert set(line) >= ACCESS_FIELDS
    assert line["method"] == method
    assert line["path"] == path
    assert line["status"] == status
    assert line["request_id"] == "req-42"
    assert line["client"] == CLIENT_ADDRESS
    assert isinstance(line["duration_ms"], float | int)
    assert line["duration_ms"] >= 0
    assert PASSWORD not in caplog.text


async def test_access_line_names_the_generated_request_id_and_the_user(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, alice: Account
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        response = await client.get(f"{USERS}/{alice.id}", headers=alice.headers)
        await _lines_written()

    (line,) = _access_lines(caplog)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["status"] == 200
    assert line["user_id"] == alice.id
    assert alice.access_token not in caplog.text


async def test_access_line_is_written_for_a_413(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    huge = {"email": new_email(), "password": PASSWORD, "padding": "x" * 2_000_000}

    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        response = await client.post(REGISTER, json=huge)
        await _lines_written()

    assert response.status_code == 413
    (line,) = _access_lines(caplog)
    assert line["status"] == 413


async def test_access_line_names_the_client_address(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Behind a proxy this is only the client's with uvicorn --proxy-headers."""
    async with client_for(app, "203.0.113.9") as client:
        with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
            response = await client.get("/health")
            await _lines_written()

    assert response.status_code == 200
    (line,) = _access_lines(caplog)
    assert line["client"] == "203.0.113.9"


@pytest.mark.usefixtures("restore_root_logging")
async def test_console_access_line_names_the_request_id_and_the_user(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """LOG_FORMAT=console end to end: the line create_app's handler writes to stdout."""
    console = settings.model_copy(update={"log_format": "console", "log_level": "INFO"})
    async with running_client(console) as client:
        alice = await signed_up(client, "alice")
        response = await client.get(f"{USERS}/{alice.id}", headers=alice.headers)
        await _lines_written()

    path = f"path={USERS}/{alice.id}"
    (line,) = [line for line in capsys.readouterr().out.splitlines() if path in line.split()]
    _time, level, logger, message, *fields = line.split()
    assert (level, logger, message) == ("INFO", ACCESS_LOGGER, "request")
    assert f"request_id={response.headers['X-Request-ID']}" in fields
    assert f"user_id={alice.id}" in fields
    assert {"method=GET", "status=200"} <= set(fields)
    assert alice.access_token not in line
