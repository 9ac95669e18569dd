from dataclasses import dataclass

from app.application.bus.command_bus import Command


@dataclass(frozen=True, slots=True)
class PurgedEventCounts:
    published: int  # outbox rows
    processed: int  # processed-event marks
    streamed: int  # entries the publisher kept (a Redis Stream's), 0 without one


@dataclass(frozen=True, slots=True)
class PurgeEventsCommand(Command[PurgedEventCounts]):
    """Forget delivered events older than EVENTS_RETENTION_DAYS."""
