"""Wiring mistakes the buses report; all of them are programming errors."""


class BusConfigurationError(Exception):
    """Raised at startup so that a miswired handler never reaches production."""


class DuplicateHandlerError(BusConfigurationError):
    pass


class MissingDependencyError(BusConfigurationError):
    pass


class HandlerNotFoundError(LookupError):
    """Raised when a message is dispatched that no handler accepts."""
