from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from app.domain.value_objects.email import MAX_LENGTH as EMAIL_MAX_LENGTH
from app.domain.value_objects.password import MAX_UTF8_BYTES, MIN_CHARACTERS


def _fits_bcrypt(value: str) -> str:
    if len(value.encode()) > MAX_UTF8_BYTES:
        raise ValueError(f"must be at most {MAX_UTF8_BYTES} bytes in UTF-8")
    return value


EmailField = Annotated[str, Field(min_length=3, max_length=EMAIL_MAX_LENGTH)]
NewPassword = Annotated[
    str, Field(min_length=MIN_CHARACTERS, max_length=MAX_UTF8_BYTES), AfterValidator(_fits_bcrypt)
]
# Login accepts any length the hasher can take; the policy applies when setting one.
GivenPassword = Annotated[
    str, Field(min_length=1, max_length=MAX_UTF8_BYTES), AfterValidator(_fits_bcrypt)
]
OpaqueToken = Annotated[str, Field(min_length=1, max_length=512)]


class RegisterRequest(BaseModel):
    email: EmailField
    password: NewPassword


class LoginRequest(BaseModel):
    email: EmailField
    password: GivenPassword


class RefreshRequest(BaseModel):
    refresh_token: OpaqueToken


class LogoutRequest(BaseModel):
    refresh_token: OpaqueToken


class ChangePasswordRequest(BaseModel):
    current_password: GivenPassword
    new_password: NewPassword


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_in: int
