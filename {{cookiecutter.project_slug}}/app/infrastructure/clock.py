from datetime import UTC, datetime

from app.domain.services.clock import Clock


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)
