"""A unit of work over one rowquery transaction.

rowquery has no nested transactions: an engine call made while a transaction
is open borrows a second connection (and deadlocks on SQLite). So every
repository handed out here runs on the one open transaction, and so do the
outbox rows of the events its aggregates recorded, written just before COMMIT.
"""

from types import TracebackType
from typing import Any, Self

from row_query import AsyncEngine

from app.application.events.event_serialization import to_record
from app.application.ports.account_activity_log import AccountActivityLog
from app.application.ports.processed_event_log import ProcessedEventLog
from app.domain.interfaces.refresh_token_repository import RefreshTokenRepository
from app.domain.interfaces.user_repository import UserRepository
from app.infrastructure.db.aggregate_tracker import AggregateTracker
from app.infrastructure.db.repositories.sql_account_activity_log import SqlAccountActivityLog
from app.infrastructure.db.repositories.sql_processed_event_log import SqlProcessedEventLog
from app.infrastructure.db.repositories.sql_refresh_token_repository import (
    SqlRefreshTokenRepository,
)
from app.infrastructure.db.repositories.sql_user_repository import SqlUserRepository
from app.infrastructure.db.sql_outbox import write_event


class UnitOfWorkNotActiveError(RuntimeError):
    pass


class _Repositories:
    """Everything one open transaction hands out."""

    def __init__(self, transaction: Any) -> None:
        self.tracker = AggregateTracker()
        self.users = SqlUserRepository(transaction, self.tracker)
        self.refresh_tokens = SqlRefreshTokenRepository(transaction)
        self.processed_events = SqlProcessedEventLog(transaction)
        self.account_activity = SqlAccountActivityLog(transaction)


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._transaction: Any = None
        self._open: _Repositories | None = None

    @property
    def users(self) -> UserRepository:
        return self._repositories().users

    @property
    def refresh_tokens(self) -> RefreshTokenRepository:
        return self._repositories().refresh_tokens

    @property
    def processed_events(self) -> ProcessedEventLog:
        return self._repositories().processed_events

    @property
    def account_activity(self) -> AccountActivityLog:
        return self._repositories().account_activity

    async def __aenter__(self) -> Self:
        if self._transaction is not None:
            raise UnitOfWorkNotActiveError("This unit of work is already open")
        transaction = self._engine.transaction()
        await transaction.__aenter__()
        self._transaction = transaction
        self._open = _Repositories(transaction)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        transaction, self._transaction = self._transaction, None
        repositories, self._open = self._open, None
        assert repositories is not None, "__aexit__ without a successful __aenter__"
        if exc_type is None:
            try:
                for event in repositories.tracker.pending_events():
                    await write_event(transaction, to_record(event))
            except BaseException as error:
                # Neither the change nor its events: the transaction rolls back.
                await transaction.__aexit__(type(error), error, error.__traceback__)
                raise
        await transaction.__aexit__(exc_type, exc, traceback)
        if exc_type is None:
            # Committed: the events are stored, so a later block does not store them again.
            repositories.tracker.events_stored()

    def _repositories(self) -> _Repositories:
        if self._open is None:
            raise UnitOfWorkNotActiveError("Use repositories inside `async with uow:`")
        return self._open
