import asyncio
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from app.server.connection_guard import ConnectionGuard
from app.server.header_capped_connection import HeaderCappedConnection
from app.server.request_cycle import response_owed
from app.server.server_config import limits_of


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a connection cap, a request read deadline, a header
    size cap (answered 431) and its 400 in the error envelope."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        limits = limits_of(config)
        self.guard = ConnectionGuard(limits, self.loop, server_state, self)
        self.capped = HeaderCappedConnection(limits.max_header_bytes)
        self.conn = self.capped

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.guard.admit(transport, len(self.connections))

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.release()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.guard.data_arriving(connection_was_idle=self.timeout_keep_alive_task is not None)
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        # h11 parses one request at a time, so its state is the current request's.
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self.guard.headers_complete()
        elif state is not h11.IDLE or self.guard.reading_body:
            # IDLE while a body was due: the app answered before it arrived, and h11
            # went on to the next request as soon as it had.
            self.guard.request_complete()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        # The connection is the WebSocket protocol's from here on, its deadlines too.
        self.guard.release()
        super().handle_websocket_upgrade(event)

    def response_owed(self) -> bool:
        return response_owed(self.cycle)

    def send_400_response(self, msg: str) -> None:
        self.guard.refuse_malformed(headers_too_large=self.capped.headers_too_large)
