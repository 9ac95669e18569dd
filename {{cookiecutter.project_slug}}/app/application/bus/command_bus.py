"""The write-side bus: one handler per command."""

from collections.abc import Callable
from typing import Generic, TypeVar

from app.application.bus.message_bus import Handler, MessageBus, mark_handler

HandlerT = TypeVar("HandlerT", bound=Handler)
ResultT = TypeVar("ResultT")


class Command(Generic[ResultT]):
    """Base of every command; `ResultT` is what its handler returns.

    It carries no behaviour: it lets `CommandBus.dispatch` return a typed result.
    """

    __slots__ = ()


def command_handler(command_type: type[Command[ResultT]]) -> Callable[[HandlerT], HandlerT]:
    return mark_handler(CommandBus.kind, command_type)


class CommandBus(MessageBus):
    kind = "command"

    async def dispatch(self, command: Command[ResultT]) -> ResultT:
        result: ResultT = await self._dispatch(command)
        return result
