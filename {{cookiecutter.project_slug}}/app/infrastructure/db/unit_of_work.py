"""A unit of work over one rowquery transaction.

rowquery has no nested transactions: an engine call made while a transaction
is open borrows a second connection (and deadlocks on SQLite). So every
repository handed out here runs on the one open transaction.
"""

from types import TracebackType
from typing import Any, Self, TypeVar

from row_query import AsyncEngine

from app.domain.interfaces.refresh_token_repository import RefreshTokenRepository
from app.domain.interfaces.user_repository import UserRepository
from app.infrastructure.db.repositories.sql_refresh_token_repository import (
    SqlRefreshTokenRepository,
)
from app.infrastructure.db.repositories.sql_user_repository import SqlUserRepository

RepositoryT = TypeVar("RepositoryT")


class UnitOfWorkNotActiveError(RuntimeError):
    pass


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._transaction: Any = None
        self._users: UserRepository | None = None
        self._refresh_tokens: RefreshTokenRepository | None = None

    @property
    def users(self) -> UserRepository:
        return self._require(self._users)

    @property
    def refresh_tokens(self) -> RefreshTokenRepository:
        return self._require(self._refresh_tokens)

    async def __aenter__(self) -> Self:
        if self._transaction is not None:
            raise UnitOfWorkNotActiveError("This unit of work is already open")
        transaction = self._engine.transaction()
        await transaction.__aenter__()
        self._transaction = transaction
        self._users = SqlUserRepository(transaction)
        self._refresh_tokens = SqlRefreshTokenRepository(transaction)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        transaction, self._transaction = self._transaction, None
        self._users = self._refresh_tokens = None
        await transaction.__aexit__(exc_type, exc, traceback)

    @staticmethod
    def _require(repository: RepositoryT | None) -> RepositoryT:
        if repository is None:
            raise UnitOfWorkNotActiveError("Use repositories inside `async with uow:`")
        return repository
