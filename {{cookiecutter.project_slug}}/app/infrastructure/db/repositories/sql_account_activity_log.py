import uuid
from datetime import datetime
from typing import Any

from app.application.ports.account_activity_log import AccountActivityLog
from app.infrastructure.db.column_types import timestamp


class SqlAccountActivityLog(AccountActivityLog):
    def __init__(self, executor: Any) -> None:
        self._executor = executor

    async def add(
        self, *, user_id: uuid.UUID, activity: str, event_id: uuid.UUID, occurred_at: datetime
    ) -> None:
        await self._executor.execute(
            "account_activity.insert",
            {
                "user_id": str(user_id),
                "activity": activity,
                "event_id": str(event_id),
                "occurred_at": timestamp(occurred_at),
            },
        )
