import asyncio
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from app.server.connection_guard import ConnectionGuard
from app.server.error_response import send_error_and_close
from app.server.header_capped_connection import HeaderCappedConnection
from app.server.server_config import limits_of


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a connection cap, a header deadline and a header
    size cap (answered 431)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        limits = limits_of(config)
        self.guard = ConnectionGuard(limits, self.loop)
        self.capped = HeaderCappedConnection(limits.max_header_bytes)
        self.conn = self.capped

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.guard.admit(transport, len(self.connections), self.server_state.default_headers)

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.release()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.guard.data_arriving(connection_was_idle=self.timeout_keep_alive_task is not None)
        super().data_received(data)
        # h11 leaves IDLE once it has parsed a request line and all of its headers.
        if self.conn.their_state is not h11.IDLE:
            self.guard.headers_complete()

    def send_400_response(self, msg: str) -> None:
        if not self.capped.headers_too_large:
            super().send_400_response(msg)
            return
        send_error_and_close(
            self.transport,
            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request headers too large",
            self.server_state.default_headers,
        )
