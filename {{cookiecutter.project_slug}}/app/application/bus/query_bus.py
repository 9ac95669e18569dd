"""The read-side bus: one handler per query."""

from collections.abc import Callable
{% if cookiecutter.python_version == "3.11" %}from typing import Generic, TypeVar
{% endif %}
from app.application.bus.message_bus import Handler, MessageBus, mark_handler
{% if cookiecutter.python_version == "3.11" %}
HandlerT = TypeVar("HandlerT", bound=Handler)
ResultT = TypeVar("ResultT")


class Query(Generic[ResultT]):
{%- else %}

class Query[ResultT]:
{%- endif %}
    """Base of every query; `ResultT` is what its handler returns.

    It carries no behaviour: it lets `QueryBus.dispatch` return a typed result.
    """

    __slots__ = ()

{% if cookiecutter.python_version == "3.11" %}
def query_handler(query_type: type[Query[ResultT]]) -> Callable[[HandlerT], HandlerT]:
{%- else %}
def query_handler[ResultT, HandlerT: Handler](
    query_type: type[Query[ResultT]],
) -> Callable[[HandlerT], HandlerT]:
{%- endif %}
    return mark_handler(QueryBus.kind, query_type)


class QueryBus(MessageBus):
    kind = "query"

    async def dispatch{% if cookiecutter.python_version != "3.11" %}[ResultT]{% endif %}(self, query: Query[ResultT]) -> ResultT:
        result: ResultT = await self._dispatch(query)
        return result
