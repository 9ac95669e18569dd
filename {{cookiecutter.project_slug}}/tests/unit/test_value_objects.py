"""Value objects: what each one accepts, how it normalises, what it refuses."""

import dataclasses

import pytest

from app.domain.errors import ValidationError
from app.domain.value_objects.email import MAX_LENGTH, Email
from app.domain.value_objects.password import Password
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("alice@example.com", "alice@example.com", id="already-normal"),
        pytest.param("  alice@example.com\t", "alice@example.com", id="trimmed"),
        pytest.param("Alice@Example.COM", "alice@example.com", id="lower-cased"),
        pytest.param(" BOB.Smith+tag@Sub.Example.org ", "bob.smith+tag@sub.example.org", id="both"),
    ],
)
def test_email_parse_normalises(raw: str, expected: str) -> None:
    assert Email.parse(raw).value == expected
    assert str(Email.parse(raw)) == expected


def test_emails_differing_only_in_case_are_equal() -> None:
    assert Email.parse("ALICE@example.com") == Email.parse("alice@EXAMPLE.com")
    assert hash(Email.parse("ALICE@example.com")) == hash(Email.parse("alice@example.com"))
    assert Email.parse("alice@example.com") != Email.parse("bob@example.com")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("alice", id="no-at"),
        pytest.param("alice@", id="no-domain"),
        pytest.param("@example.com", id="no-local-part"),
        pytest.param("alice@example", id="no-dot-in-domain"),
        pytest.param("al ice@example.com", id="inner-space"),
        pytest.param("alice@@example.com", id="double-at"),
        pytest.param("a@b@example.com", id="two-ats"),
        pytest.param("a" * (MAX_LENGTH - len("@example.com") + 1) + "@example.com", id="too-long"),
    ],
)
def test_email_rejects_invalid_shapes(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Email.parse(raw)
    assert caught.value.code == "INVALID_EMAIL"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("nul\u0000@example.com", id="nul"),
        pytest.param("a\u202e@example.com", id="right-to-left-override"),
        pytest.param("a\u200b@example.com", id="zero-width-space"),
        pytest.param("tab\t@example.com", id="inner-tab"),
        pytest.param("a\u00ad@example.com", id="soft-hyphen"),
        pytest.param("alice@exa\u2060mple.com", id="word-joiner-in-domain"),
    ],
)
def test_email_rejects_control_and_invisible_characters(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Email.parse(raw)
    assert caught.value.code == "INVALID_EMAIL"
    with pytest.raises(ValidationError):
        Email(raw)  # the constructor refuses it too, not just parse()


def test_email_at_max_length_is_accepted() -> None:
    raw = "a" * (MAX_LENGTH - len("@example.com")) + "@example.com"
    assert len(Email.parse(raw).value) == MAX_LENGTH


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("alice@example.com@evil.com", id="second-at-and-domain"),
        pytest.param("alice@example.com evil", id="space-and-word"),
    ],
)
def test_email_with_trailing_junk_after_a_valid_address_is_refused_for_its_shape(
    raw: str,
) -> None:
    # The whole text must have the shape, not just a valid address at its start.
    with pytest.raises(ValidationError) as caught:
        Email.parse(raw)
    assert caught.value.code == "INVALID_EMAIL"
    assert caught.value.details == {"reason": "shape"}


def test_email_of_254_characters_is_accepted_and_of_255_refused() -> None:
    domain = "@example.com"
    longest = "a" * (254 - len(domain)) + domain
    assert len(longest) == 254
    assert Email.parse(longest).value == longest
    with pytest.raises(ValidationError) as caught:
        Email.parse("a" + longest)
    assert caught.value.code == "INVALID_EMAIL"


def test_email_constructor_refuses_unnormalised_value() -> None:
    with pytest.raises(ValidationError, match="normalised"):
        Email("Alice@example.com")


def test_email_is_immutable() -> None:
    email = Email.parse("alice@example.com")
    with pytest.raises(dataclasses.FrozenInstanceError):
        email.value = "mallory@example.com"  # type: ignore[misc]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("8 chars!", id="exactly-8-chars"),
        pytest.param("a" * 256, id="256-ascii-characters"),
        pytest.param("\U0001f600" * 256, id="256-emoji-are-1024-bytes"),
        pytest.param("pässwörd", id="8-chars-with-umlauts"),
        pytest.param("  spaced out  ", id="spaces-around-visible-characters"),
    ],
)
def test_password_accepts(raw: str) -> None:
    assert Password(raw).value == raw


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("", "PASSWORD_TOO_SHORT", id="empty"),
        pytest.param("1234567", "PASSWORD_TOO_SHORT", id="7-chars"),
        pytest.param("€" * 7, "PASSWORD_TOO_SHORT", id="7-chars-though-21-bytes"),
        # Counted as hashed: NFKC composes each letter and its accent into one character.
        pytest.param("e\u0301a\u0301o\u0301u\u0301", "PASSWORD_TOO_SHORT", id="4-accented-letters"),
        pytest.param(
            "\u1100\u1161\u1102\u1161\u1103\u1161\u1105\u1161",
            "PASSWORD_TOO_SHORT",
            id="4-hangul-syllables-in-jamo",
        ),
        pytest.param("a" * 257, "PASSWORD_TOO_LONG", id="257-ascii-characters"),
        pytest.param("😀" * 257, "PASSWORD_TOO_LONG", id="257-emoji"),
        pytest.param("a" * 10_000, "PASSWORD_TOO_LONG", id="10000-characters"),
    ],
)
def test_password_rejects(raw: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Password(raw)
    assert caught.value.code == code


def test_password_never_shows_in_repr() -> None:
    assert "hunter22secret" not in repr(Password("hunter22secret"))


def test_user_id_generate_is_unique_uuid4() -> None:
    first, second = UserId.generate(), UserId.generate()
    assert first != second
    assert first.value.version == 4


@pytest.mark.parametrize(
    ("raw", "role"),
    [pytest.param("user", Role.USER, id="user"), pytest.param("admin", Role.ADMIN, id="admin")],
)
def test_role_values(raw: str, role: Role) -> None:
    assert Role(raw) is role
    assert str(role) == raw


def test_role_has_only_user_and_admin() -> None:
    assert {role.value for role in Role} == {"user", "admin"}
    with pytest.raises(ValueError, match="superuser"):
        Role("superuser")
