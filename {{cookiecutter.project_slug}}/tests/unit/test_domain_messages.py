"""The domain's refusals that HTTP never shows, because the request schema refuses first.

They still reach a caller of the buses, such as `python -m app create-admin`, which
prints the message. The ones HTTP shows are pinned in tests/contract/test_error_messages.py.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from app.domain.entities.user import UserEntity
from app.domain.errors import DomainError, RateLimitError
from app.domain.value_objects.domain_name import MAX_DOMAIN_LENGTH, canonical_domain
from app.domain.value_objects.email import Email, canonical_email
from app.domain.value_objects.password import Password
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _user(password_hash: str) -> UserEntity:
    email = Email.parse("alice@example.com")
    return UserEntity(
        id_=UserId(uuid.uuid4()),
        email=email,
        password_hash=password_hash,
        role=Role.USER,
        created_at=NOW,
    )


def _rehash_to(password_hash: str) -> None:
    _user("$2b$hash").upgrade_password_hash(password_hash)


# (refused call, code, message, details)
PROMISES: dict[str, tuple[Any, str, str, dict[str, Any]]] = {
    "password-too-short": (
        lambda: Password("short"),
        "PASSWORD_TOO_SHORT",
        "Password must be at least 8 characters",
        {"reason": "too_short", "min_characters": 8},
    ),
    "password-too-long": (
        lambda: Password("\u00e9" * 257),
        "PASSWORD_TOO_LONG",
        "Password must be at most 256 characters",
        {"reason": "too_long", "max_characters": 256},
    ),
    "email-shape": (
        lambda: canonical_email("alice@example.com@evil.com"),
        "INVALID_EMAIL",
        "Not a valid email address",
        {"reason": "shape"},
    ),
    "email-too-long": (
        lambda: canonical_email(f"{'a' * 64}@{'b' * 60}.{'c' * 60}.{'d' * 60}.example"),
        "INVALID_EMAIL",
        "Email must be at most 254 characters",
        {"reason": "too_long", "max_length": 254},
    ),
    "email-not-normalised": (
        lambda: Email("Alice@example.com"),
        "INVALID_EMAIL",
        "Email must be normalised",
        {"reason": "not_normalised"},
    ),
    "user-without-a-hash": (
        lambda: _user(""),
        "MISSING_PASSWORD_HASH",
        "A user needs a password hash",
        {},
    ),
    "hash-replaced-by-nothing": (
        lambda: _rehash_to(""),
        "MISSING_PASSWORD_HASH",
        "A user needs a password hash",
        {},
    ),
}


@pytest.mark.parametrize("case", list(PROMISES))
def test_each_refusal_has_its_one_code_message_and_details(case: str) -> None:
    refused, code, message, details = PROMISES[case]

    with pytest.raises(DomainError) as caught:
        refused()

    assert (caught.value.code, caught.value.message, dict(caught.value.details)) == (
        code,
        message,
        details,
    )


def test_a_domain_of_the_longest_length_is_a_domain() -> None:
    labels = ["a" * 63, "b" * 63, "c" * 63, "d" * 57, "com"]
    longest = ".".join(labels)

    assert len(longest) == MAX_DOMAIN_LENGTH
    assert canonical_domain(longest) == longest
    with pytest.raises(DomainError):
        canonical_domain(".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 58, "com"]))


def test_latin_mixed_with_han_is_accepted_in_one_label() -> None:
    assert canonical_email("alice\u6f22@example.com") == "alice\u6f22@example.com"


@pytest.mark.parametrize(("asked", "given"), [(None, 1), (0, 1), (1, 1), (7, 7)])
def test_a_rate_limit_says_retry_after_one_second_at_the_least(
    asked: int | None, given: int
) -> None:
    error = (
        RateLimitError("slow down")
        if asked is None
        else RateLimitError("slow down", retry_after_seconds=asked)
    )

    assert error.retry_after_seconds == given
