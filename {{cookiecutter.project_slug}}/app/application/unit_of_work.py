"""One atomic write: every repository it hands out shares one transaction."""

from types import TracebackType
from typing import Protocol, Self

from app.domain.interfaces.refresh_token_repository import RefreshTokenRepository
from app.domain.interfaces.user_repository import UserRepository


class UnitOfWork(Protocol):
    """`async with uow:` commits on success and rolls back on any exception.

    The repositories are only usable inside the block. A unit of work may be
    entered again after it exits; each block is a new transaction.
    """

    @property
    def users(self) -> UserRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
