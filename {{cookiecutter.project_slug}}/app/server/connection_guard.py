import asyncio
from http import HTTPStatus
from typing import Protocol

from uvicorn.server import ServerState

from app.server.connection_limits import ConnectionLimits
from app.server.error_response import send_error_and_close
from app.server.request_cycle import RequestCycle, silence


class GuardedProtocol(Protocol):
    """What the guard reads of the uvicorn protocol instance it guards."""

    @property
    def cycle(self) -> RequestCycle | None: ...

    def response_owed(self) -> bool:
        """Whether anything the guard wrote now would land inside another response."""
        ...


class ConnectionGuard:
    """Admission, the read deadline and the server layer's own answers, for one
    connection of either HTTP protocol.

    uvicorn bounds only the idle time after a response (its keep-alive timer), and the
    first byte of a new request cancels that timer: a client that opens a connection
    and sends nothing, trickles a header or a body one byte at a time, or announces a
    body it never sends, holds the connection forever. Here a request's header block
    is due `header_timeout_seconds` after the connection opens (or after its first byte
    on an idle keep-alive connection), and its body `body_timeout_seconds` after the
    headers; a request still incomplete then is answered 408 and the connection closed.
    The clock stops once the last byte of the request has arrived: the app's time with
    it (a slow password hash, a long response) is not the client's to hold.
    `limit_concurrency` is no cap on connections either: it is checked only once a
    request's headers are complete, so connections that never finish one are all
    accepted and kept.
    """

    def __init__(
        self,
        limits: ConnectionLimits,
        loop: asyncio.AbstractEventLoop,
        server_state: ServerState,
        protocol: GuardedProtocol,
    ) -> None:
        self._limits = limits
        self._loop = loop
        self._server_state = server_state
        self._protocol = protocol
        self._transport: asyncio.Transport | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._released = False
        self.reading_body = False

    def admit(self, transport: asyncio.Transport, open_connections: int) -> None:
        """Refuse (503, closed at once) a connection beyond the cap; else start its clock."""
        self._transport = transport
        if open_connections > self._limits.max_connections:
            send_error_and_close(
                transport,
                HTTPStatus.SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "Too many open connections; try again later",
                [*self._server_state.default_headers, (b"retry-after", b"1")],
            )
            return
        self._start()

    def data_arriving(self, *, connection_was_idle: bool) -> None:
        """Bytes on an idle keep-alive connection start a request: its headers are due."""
        if connection_was_idle and self._deadline is None:
            self._start()

    def headers_complete(self) -> None:
        """The body is due now; repeated for the same request, this changes nothing."""
        if not self.reading_body:
            self.reading_body = True
            self._start()

    def request_complete(self) -> None:
        self.reading_body = False
        self._stop()

    def release(self) -> None:
        """The connection is closed, or handed to another protocol (a WebSocket)."""
        self._released = True
        self._stop()

    def refuse(self, status: HTTPStatus, code: str, message: str) -> None:
        """Answer in the error envelope, ending the request the app may have begun, and
        hang up; while a response is owed there is no room for ours: only hang up."""
        if self._transport is None or self._transport.is_closing():
            return
        if self._protocol.response_owed():
            self._transport.close()
            return
        silence(self._protocol.cycle)
        send_error_and_close(
            self._transport, status, code, message, self._server_state.default_headers
        )

    def refuse_malformed(self, *, headers_too_large: bool) -> None:
        """A request the parser gave up on: 431 for a header block over the cap, else 400."""
        if headers_too_large:
            self.refuse(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                "REQUEST_HEADER_FIELDS_TOO_LARGE",
                "Request headers too large",
            )
        else:
            self.refuse(HTTPStatus.BAD_REQUEST, "BAD_REQUEST", "Invalid HTTP request")

    def _start(self) -> None:
        """(Re)start the clock of the part of the request that is due: headers or body."""
        self._stop()
        if self._released:
            return
        if self.reading_body:
            seconds = self._limits.body_timeout_seconds
        else:
            seconds = self._limits.header_timeout_seconds
        self._deadline = self._loop.call_later(seconds, self._expire)

    def _stop(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self._transport is None or self._transport.is_closing():
            return
        cycle = self._protocol.cycle
        if self._protocol.response_owed():
            # The client waits on the server (a response being written, a pipelined
            # request queued behind one), not the other way round: look again later.
            self._start()
        elif self.reading_body and cycle is not None and cycle.response_complete:
            # Answered before its body arrived (413 on the declared length): the client
            # has its answer, and the rest of its body is not waited for.
            self._transport.close()
        else:
            self.refuse(HTTPStatus.REQUEST_TIMEOUT, "REQUEST_TIMEOUT", "Request not sent in time")
