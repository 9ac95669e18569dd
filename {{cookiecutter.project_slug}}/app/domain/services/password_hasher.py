"""Contract for turning passwords into slow, salted hashes."""

from abc import ABC, abstractmethod

from app.domain.value_objects.password import Password


class PasswordHasher(ABC):
    @abstractmethod
    async def hash(self, password: Password) -> str: ...

    @abstractmethod
    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker settings than the current ones."""

    @abstractmethod
    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check a password. With no hash, burn the same time and return False,
        so that an unknown account cannot be told apart from a wrong password."""
