import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class SessionReadModel(BaseModel):
    """One login that can still refresh: when it began, when it was last used, by what."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    started_at: datetime
    last_used_at: datetime
    client: str
    current: bool = False
