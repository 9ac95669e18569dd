"""The domain error hierarchy: one default code per class, overridable."""

import pytest

from app.domain.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    DomainError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)

ERROR_CODES = [
    pytest.param(DomainError, "DOMAIN_ERROR", id="DomainError"),
    pytest.param(AuthenticationError, "AUTHENTICATION_FAILED", id="AuthenticationError"),
    pytest.param(AuthorizationError, "FORBIDDEN", id="AuthorizationError"),
    pytest.param(NotFoundError, "NOT_FOUND", id="NotFoundError"),
    pytest.param(ConflictError, "CONFLICT", id="ConflictError"),
    pytest.param(ValidationError, "VALIDATION_ERROR", id="ValidationError"),
    pytest.param(RateLimitError, "RATE_LIMITED", id="RateLimitError"),
]


@pytest.mark.parametrize(("error_type", "code"), ERROR_CODES)
def test_default_code_message_and_empty_details(error_type: type[DomainError], code: str) -> None:
    error = error_type("Something went wrong")
    assert isinstance(error, DomainError)
    assert error.code == code
    assert error.message == "Something went wrong"
    assert str(error) == "Something went wrong"
    assert error.details == {}


@pytest.mark.parametrize(("error_type", "code"), ERROR_CODES)
def test_custom_code_and_details(error_type: type[DomainError], code: str) -> None:
    source = {"field": "email"}
    error = error_type("Nope", code="CUSTOM_CODE", details=source)
    assert error.code == "CUSTOM_CODE"
    assert error.details == {"field": "email"}
    source["field"] = "changed"
    assert error.details == {"field": "email"}, "details are copied, not shared"
