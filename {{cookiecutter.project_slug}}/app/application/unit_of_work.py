"""One atomic write: every repository it hands out shares one transaction."""

from types import TracebackType
from typing import Protocol, Self

from app.application.ports.account_activity_log import AccountActivityLog
from app.application.ports.processed_event_log import ProcessedEventLog
from app.domain.interfaces.refresh_token_repository import RefreshTokenRepository
from app.domain.interfaces.user_repository import UserRepository


class UnitOfWork(Protocol):
    """`async with uow:` commits on success and rolls back on any exception.

    The repositories are only usable inside the block. A unit of work may be
    entered again after it exits; each block is a new transaction. The domain
    events of every aggregate its repositories handed out or stored are written
    to the outbox in the same transaction, just before it commits.
    """

    @property
    def users(self) -> UserRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    @property
    def processed_events(self) -> ProcessedEventLog: ...

    @property
    def account_activity(self) -> AccountActivityLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
