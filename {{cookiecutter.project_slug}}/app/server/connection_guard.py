import asyncio
from collections.abc import Iterable
from http import HTTPStatus

from app.server.connection_limits import ConnectionLimits
from app.server.error_response import send_error_and_close


class ConnectionGuard:
    """Admission and the header deadline of one connection, for either HTTP protocol.

    uvicorn bounds only the idle time after a response (its keep-alive timer), and the
    first byte of a new request cancels that timer: a client that opens a connection
    and sends nothing, or trickles a header one byte at a time, holds the connection
    forever. Here the header block of every request must be complete within
    `header_timeout_seconds` of the connection opening, or of its first byte arriving
    on an idle keep-alive connection. `limit_concurrency` is no cap on connections
    either: it is checked only once a request's headers are complete, so connections
    that never finish one are all accepted and kept.
    """

    def __init__(self, limits: ConnectionLimits, loop: asyncio.AbstractEventLoop) -> None:
        self._limits = limits
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._deadline: asyncio.TimerHandle | None = None

    def admit(
        self,
        transport: asyncio.Transport,
        open_connections: int,
        headers: Iterable[tuple[bytes, bytes]],
    ) -> None:
        """Refuse (503, closed at once) a connection beyond the cap; else start its clock."""
        self._transport = transport
        if open_connections > self._limits.max_connections:
            send_error_and_close(
                transport,
                HTTPStatus.SERVICE_UNAVAILABLE,
                "Too many open connections; try again later",
                [*headers, (b"retry-after", b"1")],
            )
            return
        self._start_deadline()

    def data_arriving(self, *, connection_was_idle: bool) -> None:
        """Bytes on an idle keep-alive connection start a request: its headers are due."""
        if connection_was_idle and self._deadline is None:
            self._start_deadline()

    def headers_complete(self) -> None:
        self._stop_deadline()

    def release(self) -> None:
        self._stop_deadline()

    def _start_deadline(self) -> None:
        self._deadline = self._loop.call_later(self._limits.header_timeout_seconds, self._expire)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        # No response: the connection may be midway through writing an earlier one.
        self._deadline = None
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()
