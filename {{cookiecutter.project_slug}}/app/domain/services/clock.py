"""Source of the current time, replaceable in tests."""

from abc import ABC, abstractmethod
from datetime import datetime


class Clock(ABC):
    @abstractmethod
    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
