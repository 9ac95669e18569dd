import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class SessionResponse(BaseModel):
    id: uuid.UUID
    started_at: datetime = Field(description="When its login happened")
    last_used_at: datetime = Field(description="Its last login or refresh")
    client: str = Field(description="The User-Agent that last used it, shortened; may be empty")
    current: bool = Field(description="Whether it is the session of the access token sent")


class SessionListResponse(BaseModel):
    sessions: list[SessionResponse]
