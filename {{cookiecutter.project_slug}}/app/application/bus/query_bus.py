"""The read-side bus: one handler per query."""

from collections.abc import Callable
from typing import TypeVar

from app.application.bus.message_bus import Handler, MessageBus, mark_handler

HandlerT = TypeVar("HandlerT", bound=Handler)


def query_handler(query_type: type) -> Callable[[HandlerT], HandlerT]:
    return mark_handler(QueryBus.kind, query_type)


class QueryBus(MessageBus):
    kind = "query"
