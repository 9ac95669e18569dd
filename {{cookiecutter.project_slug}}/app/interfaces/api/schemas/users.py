import uuid
from datetime import datetime

from pydantic import BaseModel

from app.domain.value_objects.role import Role
from app.interfaces.api.schemas.auth import EmailField, NewPassword


class CreateUserRequest(BaseModel):
    email: EmailField
    password: NewPassword
    role: Role = Role.USER


class UserResponse(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    created_at: datetime
