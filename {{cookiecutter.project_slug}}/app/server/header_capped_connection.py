import h11

from app.server.header_size import header_block_size

Event = h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]


class HeaderCappedConnection(h11.Connection):
    """An h11 server connection that refuses header blocks over `max_header_bytes`.

    h11 limits only an incomplete event (`max_incomplete_event_size`): that bounds an
    endless header, but a header block that arrives whole in one read passes at any
    size. Both failures are raised as h11 raises its own, and remembered so the
    protocol can answer 431 instead of uvicorn's generic 400.
    """

    def __init__(self, max_header_bytes: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_header_bytes)
        self.max_header_bytes = max_header_bytes
        self.headers_too_large = False

    def next_event(self) -> Event:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as error:
            self.headers_too_large = error.error_status_hint == 431
            raise
        too_large = isinstance(event, h11.Request) and (
            header_block_size(event.target, event.headers) > self.max_header_bytes
        )
        if too_large:
            self.headers_too_large = True
            raise h11.RemoteProtocolError("request headers too large", 431)
        return event
