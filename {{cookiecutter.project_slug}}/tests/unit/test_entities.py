"""Entities: identity, invariants and state."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.entities.base import Entity
from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.entities.user import UserEntity
from app.domain.errors import ValidationError
from app.domain.events.user_password_changed import UserPasswordChanged
from app.domain.events.user_registered import UserRegistered
from app.domain.events.user_role_changed import UserRoleChanged
from app.domain.events.user_status_changed import UserStatusChanged
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId

NOW = datetime(2030, 1, 1, tzinfo=UTC)


class Thing(Entity[int]):
    def __init__(self, *, id_: int, name: str) -> None:
        super().__init__(id_=id_)
        self.name = name


class OtherThing(Entity[int]):
    pass


def _user(role: Role = Role.USER) -> UserEntity:
    return UserEntity.register(
        email=Email.parse("alice@example.com"), password_hash="hash", role=role, now=NOW
    )


def test_entities_with_the_same_id_are_equal_whatever_their_attributes() -> None:
    assert Thing(id_=1, name="a") == Thing(id_=1, name="b")
    assert hash(Thing(id_=1, name="a")) == hash(Thing(id_=1, name="b"))
    assert len({Thing(id_=1, name="a"), Thing(id_=1, name="b")}) == 1


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(Thing(id_=2, name="a"), id="other-id"),
        pytest.param(OtherThing(id_=1), id="other-type-same-id"),
        pytest.param(1, id="the-bare-id"),
        pytest.param(None, id="none"),
    ],
)
def test_entity_differs_from(other: object) -> None:
    assert Thing(id_=1, name="a") != other


def test_register_creates_a_user_with_fresh_id() -> None:
    user = _user()
    assert user.email == Email.parse("alice@example.com")
    assert user.role is Role.USER
    assert user.created_at == NOW
    assert user.id_ != _user().id_


def test_register_keeps_the_given_role() -> None:
    assert _user(Role.ADMIN).role is Role.ADMIN


def test_user_needs_a_password_hash() -> None:
    with pytest.raises(ValidationError) as caught:
        UserEntity.register(
            email=Email.parse("alice@example.com"), password_hash="", role=Role.USER, now=NOW
        )
    assert caught.value.code == "MISSING_PASSWORD_HASH"


def test_change_password_hash_replaces_the_hash() -> None:
    user = _user()
    user.change_password_hash("new-hash", now=NOW)
    assert user.password_hash == "new-hash"


def test_change_password_hash_refuses_empty_and_keeps_the_old_one() -> None:
    user = _user()
    with pytest.raises(ValidationError) as caught:
        user.change_password_hash("", now=NOW)
    assert caught.value.code == "MISSING_PASSWORD_HASH"
    assert user.password_hash == "hash"


def test_register_records_that_the_user_registered() -> None:
    user = _user(Role.ADMIN)

    [event] = user.pending_events
    assert isinstance(event, UserRegistered)
    assert event.aggregate_id == user.id_.value
    assert (event.email, event.role, event.occurred_at) == ("alice@example.com", "admin", NOW)


def test_each_registration_is_an_event_of_its_own() -> None:
    [first], [second] = _user().pending_events, _user().pending_events
    assert first.event_id != second.event_id
    assert first.aggregate_id != second.aggregate_id


def test_change_password_hash_records_the_change_after_the_registration() -> None:
    user = _user()
    later = NOW + timedelta(minutes=5)

    user.change_password_hash("new-hash", now=later)

    registered, changed = user.pending_events
    assert isinstance(registered, UserRegistered)
    assert changed == UserPasswordChanged(
        aggregate_id=user.id_.value, occurred_at=later, event_id=changed.event_id
    )


def test_a_refused_password_change_records_nothing() -> None:
    user = _user()
    user.clear_events()
    with pytest.raises(ValidationError):
        user.change_password_hash("", now=NOW)
    assert user.pending_events == ()


def test_upgrading_the_hash_of_the_same_password_records_nothing() -> None:
    user = _user()
    user.clear_events()

    user.upgrade_password_hash("same-password-at-a-higher-cost")

    assert user.password_hash == "same-password-at-a-higher-cost"
    assert user.pending_events == ()


def test_role_and_status_changes_are_recorded_only_when_they_change_something() -> None:
    user = _user()
    user.clear_events()

    admin = UserId.generate()
    assert user.change_role(Role.USER, by=admin, now=NOW) is False
    assert user.change_status(is_active=True, by=admin, now=NOW) is False
    assert user.change_role(Role.ADMIN, by=admin, now=NOW) is True
    assert user.change_status(is_active=False, by=admin, now=NOW) is True

    assert (user.role, user.is_active, user.is_active_admin) == (Role.ADMIN, False, False)
    role_changed, status_changed = user.pending_events
    assert isinstance(role_changed, UserRoleChanged)
    assert (role_changed.aggregate_id, role_changed.role) == (user.id_.value, "admin")
    assert isinstance(status_changed, UserStatusChanged)
    assert (status_changed.aggregate_id, status_changed.is_active) == (user.id_.value, False)
    assert role_changed.changed_by == status_changed.changed_by == admin.value


def test_only_an_active_admin_is_an_active_admin() -> None:
    admin = _user(Role.ADMIN)

    assert admin.is_active_admin
    admin.change_status(is_active=False, by=admin.id_, now=NOW)
    assert not admin.is_active_admin
    assert not _user(Role.USER).is_active_admin


def test_cleared_events_are_not_handed_out_again() -> None:
    user = _user()
    handed_out = user.pending_events
    user.clear_events()
    user.change_password_hash("new-hash", now=NOW)

    [event] = user.pending_events
    assert isinstance(event, UserPasswordChanged)
    assert len(handed_out) == 1, "what was handed out is a snapshot, not the live list"


def test_events_are_frozen() -> None:
    [event] = _user().pending_events
    with pytest.raises(AttributeError):
        event.aggregate_id = uuid.uuid4()  # type: ignore[misc]


def _token(family_id: uuid.UUID | None = None) -> RefreshTokenEntity:
    return RefreshTokenEntity.issue(
        user_id=UserId.generate(),
        family_id=family_id,
        token_hash="abc",
        now=NOW,
        expires_at=NOW + timedelta(days=7),
    )


def test_issue_starts_a_new_family_unless_given_one() -> None:
    family = uuid.uuid4()
    assert _token(family).family_id == family
    assert _token().family_id != _token().family_id


def test_issued_token_is_fresh() -> None:
    token = _token()
    assert token.issued_at == NOW
    assert token.used_at is None
    assert token.revoked_at is None
    assert not token.was_redeemed_or_revoked


@pytest.mark.parametrize(
    ("offset", "expired"),
    [
        pytest.param(timedelta(0), False, id="at-issue"),
        pytest.param(timedelta(days=7) - timedelta(seconds=1), False, id="one-second-before"),
        pytest.param(timedelta(days=7), True, id="at-expiry"),
        pytest.param(timedelta(days=8), True, id="after-expiry"),
    ],
)
def test_refresh_token_expiry(offset: timedelta, expired: bool) -> None:
    assert _token().is_expired(NOW + offset) is expired


@pytest.mark.parametrize(
    ("used", "revoked"),
    [
        pytest.param(True, False, id="redeemed"),
        pytest.param(False, True, id="revoked"),
        pytest.param(True, True, id="both"),
    ],
)
def test_redeemed_or_revoked_token_never_works_again(used: bool, revoked: bool) -> None:
    token = _token()
    token.used_at = NOW if used else None
    token.revoked_at = NOW if revoked else None
    assert token.was_redeemed_or_revoked
