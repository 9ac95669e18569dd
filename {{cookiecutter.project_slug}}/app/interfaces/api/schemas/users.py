import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from app.domain.value_objects.role import Role
from app.interfaces.api.schemas.auth import PASSWORD_EXAMPLE, EmailField, NewPassword
from app.interfaces.api.schemas.response_model import ResponseModel


class CreateUserRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"email": "new.colleague@example.com", "password": PASSWORD_EXAMPLE, "role": "user"}
            ]
        }
    )

    email: EmailField
    password: NewPassword
    role: Role = Role.USER


class UserResponse(ResponseModel):
    id: uuid.UUID
    email: str
    role: Role
    created_at: datetime
