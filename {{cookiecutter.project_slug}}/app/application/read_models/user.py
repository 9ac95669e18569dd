import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from app.domain.value_objects.role import Role


class UserReadModel(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    created_at: datetime
