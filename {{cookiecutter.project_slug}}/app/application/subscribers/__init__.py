"""Subscribers: `@event_handler(SomeEvent)` functions, found here by the event bus."""
