"""The read-side bus: one handler per query."""

from collections.abc import Callable
from typing import Generic, TypeVar

from app.application.bus.message_bus import Handler, MessageBus, mark_handler

HandlerT = TypeVar("HandlerT", bound=Handler)
ResultT = TypeVar("ResultT")


class Query(Generic[ResultT]):
    """Base of every query; `ResultT` is what its handler returns.

    It carries no behaviour: it lets `QueryBus.dispatch` return a typed result.
    """

    __slots__ = ()


def query_handler(query_type: type[Query[ResultT]]) -> Callable[[HandlerT], HandlerT]:
    return mark_handler(QueryBus.kind, query_type)


class QueryBus(MessageBus):
    kind = "query"

    async def dispatch(self, query: Query[ResultT]) -> ResultT:
        result: ResultT = await self._dispatch(query)
        return result
