"""The write-side bus: one handler per command."""

from collections.abc import Callable
from typing import TypeVar

from app.application.bus.message_bus import Handler, MessageBus, mark_handler

HandlerT = TypeVar("HandlerT", bound=Handler)


def command_handler(command_type: type) -> Callable[[HandlerT], HandlerT]:
    return mark_handler(CommandBus.kind, command_type)


class CommandBus(MessageBus):
    kind = "command"
