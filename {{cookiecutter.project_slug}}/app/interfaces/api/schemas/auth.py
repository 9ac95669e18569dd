import uuid
from typing import Annotated

from pydantic import BaseModel, Field

from app.domain.value_objects.email import MAX_LENGTH as EMAIL_MAX_LENGTH
from app.domain.value_objects.password import MAX_CHARACTERS, MIN_CHARACTERS
from app.interfaces.api.schemas.response_model import ResponseModel

# One "@", a dot in the domain, no whitespace or control character inside; ASCII
# whitespace around it is ignored. The same pattern is published and enforced, so the
# schema refuses nothing the server takes (spelled so that ECMA, Python and Rust regex
# engines read it alike). The server goes further than a pattern can say (NFKC, IDNA,
# one script per label): a match may still be refused with 422 INVALID_EMAIL.
_ADDRESS_CHARACTER = r"[^@\s\x00-\x1f\x7f-\x9f]"
_AROUND = r"[ \t\n\r\f\v]*"
EMAIL_PATTERN = (
    rf"^{_AROUND}{_ADDRESS_CHARACTER}+@{_ADDRESS_CHARACTER}+\.{_ADDRESS_CHARACTER}+{_AROUND}$"
)
EmailField = Annotated[
    str,
    Field(
        min_length=3,
        max_length=EMAIL_MAX_LENGTH,
        pattern=EMAIL_PATTERN,
        examples=["ada@example.com", "Grace.Hopper@Example.ORG", "josé@example.com"],
        description=(
            "An email address, compared and stored normalised (surrounding whitespace "
            "dropped, NFKC, case-folded, the domain in IDNA A-labels): look-alike "
            "spellings are one address, or refused"
        ),
    ),
]
PASSWORD_EXAMPLE = "correct horse battery staple"  # noqa: S105 - a documentation example
_NORMALISED = "compared after NFKC normalisation, so look-alike spellings are one password"
NewPassword = Annotated[
    str,
    Field(
        min_length=MIN_CHARACTERS,
        max_length=MAX_CHARACTERS,
        description=(
            f"{MIN_CHARACTERS} to {MAX_CHARACTERS} characters in any script, {_NORMALISED}; "
            "not one of the 10,000 most common passwords, not only whitespace or "
            "combining marks"
        ),
        examples=[PASSWORD_EXAMPLE],
    ),
]
# Login takes any password that could have been set; the policy applies when setting one.
GivenPassword = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_CHARACTERS,
        description=f"The password, at most {MAX_CHARACTERS} characters, {_NORMALISED}",
        examples=[PASSWORD_EXAMPLE],
    ),
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


class TokenResponse(ResponseModel):
    # The caller's id, for GET /api/v1/users/{user_id}, without decoding the token.
    user_id: uuid.UUID
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_in: int
