import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, model_validator

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
    # False once an admin deactivated the account: it can neither sign in nor act.
    is_active: bool
    created_at: datetime


class UserPageResponse(ResponseModel):
    items: list[UserResponse]
    # Pass it back as `cursor` for the next page; null on the last one.
    next_cursor: str | None


def _fields_may_be_left_out_not_null(schema: dict[str, Any]) -> None:
    # Published as the validator below enforces it: each field optional, never null,
    # and at least one of them sent.
    for field in schema["properties"].values():
        options = field.pop("anyOf")
        field.update(next(option for option in options if option.get("type") != "null"))
        field.pop("default", None)
    schema["minProperties"] = 1


class UpdateUserRequest(BaseModel):
    """What an admin changes about an account: its role, whether it is active, or both."""

    model_config = ConfigDict(
        json_schema_extra=_fields_may_be_left_out_not_null,
        json_schema_mode_override="validation",
    )

    role: Role | None = None
    # Strict: "false" or 0 in JSON is a mistake to refuse, not a boolean to guess.
    is_active: StrictBool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls_and_not_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if any(data.get(name, ...) is None for name in cls.model_fields):
                raise ValueError("leave a field out to keep it, rather than sending null")
            if not any(name in data for name in cls.model_fields):
                raise ValueError("name at least one of: role, is_active")
        return data
