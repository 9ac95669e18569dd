"""Persistence contract for users."""

from abc import ABC, abstractmethod

from app.domain.entities.user import UserEntity
from app.domain.value_objects.email import Email
from app.domain.value_objects.user_id import UserId


class UserRepository(ABC):
    @abstractmethod
    async def add(self, user: UserEntity) -> None:
        """Store a new user; raise ConflictError when the email is taken."""

    @abstractmethod
    async def get(self, user_id: UserId) -> UserEntity | None: ...

    @abstractmethod
    async def get_for_update(self, user_id: UserId) -> UserEntity | None:
        """Load the user and lock it until the transaction ends.

        Everything that issues or revokes a user's tokens takes this lock first, so
        a login, refresh, logout and password change of one user never interleave.
        """

    @abstractmethod
    async def get_by_email(self, email: Email) -> UserEntity | None: ...

    @abstractmethod
    async def update_password(self, user: UserEntity) -> None: ...

    @abstractmethod
    async def update_access(self, user: UserEntity) -> None:
        """Store the user's role and whether the account is active."""

    @abstractmethod
    async def lock_all(self) -> int:
        """Lock every account until the transaction ends; return how many there are."""

    @abstractmethod
    async def lock_active_admins(self) -> int:
        """Count the active admins and lock them until the transaction ends.

        Taken before any admin's own lock: two admins demoting each other at once then
        wait in one order, and the second sees the first one's change.
        """
