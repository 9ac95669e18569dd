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


def _exactly_one_field(schema: dict[str, Any]) -> None:
    # Published as the validator below enforces it: one field, never null.
    for field in schema["properties"].values():
        options = field.pop("anyOf")
        field.update(next(option for option in options if option.get("type") != "null"))
        field.pop("default", None)
    schema["minProperties"] = schema["maxProperties"] = 1


class UpdateUserRequest(BaseModel):
    """One change to an account, its role or whether it is active.

    One per request: each is a command of its own, committed on its own, so a request
    is never answered with an error after half of it was applied.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_exactly_one_field,
        json_schema_mode_override="validation",
    )

    role: Role | None = None
    # Strict: "false" or 0 in JSON is a mistake to refuse, not a boolean to guess.
    is_active: StrictBool | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_change_not_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if any(data.get(name, ...) is None for name in cls.model_fields):
                raise ValueError("leave a field out to keep it, rather than sending null")
            if sum(name in data for name in cls.model_fields) != 1:
                raise ValueError("name exactly one of: role, is_active")
        return data
