import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.server.connection_guard import ConnectionGuard
from app.server.header_size import header_block_size
from app.server.request_cycle import response_owed
from app.server.server_config import limits_of


class HeadersTooLargeError(Exception):
    """Raised from a parser callback: httptools stops and uvicorn calls send_400_response."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a connection cap, a request read deadline, a
    header size cap (answered 431) and its 400 in the error envelope.

    httptools has no header size limit: it appends every fragment of a header to a
    bytes object until the line ends, so one endless header grows the process without
    bound. Bytes received while a request's headers are incomplete are counted here,
    and a complete header block is measured before the app sees it. A read that ends
    one pipelined request and starts the next counts whole, so for such clients the
    cap may bite up to one read (at most 256 KiB) early.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits_of(config)
        self.guard = ConnectionGuard(self.limits, self.loop, server_state, self)
        self.reading_headers = False
        self.header_bytes = 0
        self.headers_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.guard.admit(transport, len(self.connections))

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.release()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.guard.data_arriving(connection_was_idle=self.timeout_keep_alive_task is not None)
        super().data_received(data)
        if not self.reading_headers or self.transport.is_closing():
            return
        self.header_bytes += len(data)
        if self.header_bytes > self.limits.max_header_bytes:
            self.guard.refuse_malformed(headers_too_large=True)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.reading_headers = True
        self.header_bytes = 0

    def on_headers_complete(self) -> None:
        self.reading_headers = False
        if header_block_size(self.url, self.headers) > self.limits.max_header_bytes:
            self.headers_too_large = True
            raise HeadersTooLargeError
        super().on_headers_complete()
        self.guard.headers_complete()

    def on_message_complete(self) -> None:
        self.guard.request_complete()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        # The connection is the WebSocket protocol's from here on, its deadlines too.
        self.guard.release()
        super().handle_websocket_upgrade()

    def response_owed(self) -> bool:
        # A pipelined request waits in `pipeline` while an earlier response is owed.
        return bool(self.pipeline) or response_owed(self.cycle)

    def send_400_response(self, msg: str) -> None:
        self.guard.refuse_malformed(headers_too_large=self.headers_too_large)
