"""The write-side bus: one handler per command."""

from collections.abc import Callable
{% if cookiecutter.python_version == "3.11" %}from typing import Generic, TypeVar
{% endif %}
from app.application.bus.message_bus import Handler, MessageBus, mark_handler
{% if cookiecutter.python_version == "3.11" %}
HandlerT = TypeVar("HandlerT", bound=Handler)
ResultT = TypeVar("ResultT")


class Command(Generic[ResultT]):
{%- else %}

class Command[ResultT]:
{%- endif %}
    """Base of every command; `ResultT` is what its handler returns.

    It carries no behaviour: it lets `CommandBus.dispatch` return a typed result.
    """

    __slots__ = ()

{% if cookiecutter.python_version == "3.11" %}
def command_handler(command_type: type[Command[ResultT]]) -> Callable[[HandlerT], HandlerT]:
{%- else %}
def command_handler[ResultT, HandlerT: Handler](
    command_type: type[Command[ResultT]],
) -> Callable[[HandlerT], HandlerT]:
{%- endif %}
    return mark_handler(CommandBus.kind, command_type)


class CommandBus(MessageBus):
    kind = "command"

    async def dispatch{% if cookiecutter.python_version != "3.11" %}[ResultT]{% endif %}(self, command: Command[ResultT]) -> ResultT:
        result: ResultT = await self._dispatch(command)
        return result
