"""What each command leaves in the outbox: the events its aggregates recorded, only on commit.

The fake unit of work keeps the events of the users it stored or handed out in a
block that committed, as the SQL one writes them to the outbox table.
"""

import uuid
from datetime import timedelta

import pytest

from app.application.commands.change_password import ChangePasswordCommand
from app.application.commands.create_user import CreateUserCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.dto.principal import Principal
from app.application.handlers.commands.change_password_handler import handle_change_password
from app.application.handlers.commands.create_user_handler import handle_create_user
from app.application.handlers.commands.register_user_handler import handle_register_user
from app.application.services.token_service import TokenService
from app.domain.errors import AuthorizationError, ConflictError, DomainError, ValidationError
from app.domain.events.domain_event import DomainEvent
from app.domain.events.user_password_changed import UserPasswordChanged
from app.domain.events.user_registered import UserRegistered
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId

from .fakes import FakePasswordHasher, FixedClock, InMemoryUnitOfWork, RecordingSecurityLog
from .helpers import PASSWORD, create_user, login

NEW_PASSWORD = "a brand new passphrase"


def _kinds(events: list[DomainEvent]) -> list[tuple[str, uuid.UUID]]:
    return [(type(event).__name__, event.aggregate_id) for event in events]


async def _change_password(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    user_id: uuid.UUID,
    current: str = PASSWORD,
    new: str = NEW_PASSWORD,
) -> None:
    await handle_change_password(
        ChangePasswordCommand(user_id=user_id, current_password=current, new_password=new),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )


async def test_register_stores_exactly_its_registration(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    user = await handle_register_user(
        RegisterUserCommand(email=" Bob@Example.com", password=PASSWORD),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )

    [event] = uow.stored_events()
    assert event == UserRegistered(
        aggregate_id=user.id,
        occurred_at=clock.now(),
        email="bob@example.com",
        role=Role.USER.value,
        event_id=event.event_id,
    )


async def test_an_admin_creating_a_user_stores_only_that_users_registration(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    admin = await create_user(uow, hasher, clock, "root@example.com", role=Role.ADMIN)

    created = await handle_create_user(
        CreateUserCommand(
            email="carol@example.com",
            password=PASSWORD,
            requester=Principal(user_id=admin.id),
            role=Role.ADMIN,
        ),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )

    # Reading the admin's account (the permission check) records nothing about it.
    assert _kinds(uow.stored_events()) == [
        ("UserRegistered", admin.id),
        ("UserRegistered", created.id),
    ]
    event = uow.stored_events()[1]
    assert isinstance(event, UserRegistered)
    assert (event.email, event.role) == ("carol@example.com", "admin")


async def test_change_password_stores_one_change_at_the_time_it_happened(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    user = await create_user(uow, hasher, clock)
    registered_at = clock.now()
    clock.advance(timedelta(minutes=3))

    await _change_password(uow, hasher, clock, user.id)

    registered, changed = uow.stored_events()
    assert isinstance(registered, UserRegistered)
    assert registered.occurred_at == registered_at
    assert changed == UserPasswordChanged(
        aggregate_id=user.id, occurred_at=clock.now(), event_id=changed.event_id
    )
    assert changed.occurred_at > registered_at


async def test_login_that_upgrades_the_hash_stores_no_event(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    await create_user(uow, hasher, clock)
    [stored] = uow.stored_users()
    hasher.outdated.add(stored.password_hash)
    hasher.hashed.clear()

    await login(uow, hasher, tokens)

    assert hasher.hashed == [PASSWORD], "the login did upgrade the hash"
    assert _kinds(uow.stored_events()) == [("UserRegistered", stored.id_.value)]


async def test_repeated_logins_and_changes_never_store_an_event_twice(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    """Every block that loads the user again must not store what an earlier block stored."""
    user = await create_user(uow, hasher, clock)
    await login(uow, hasher, tokens)
    await _change_password(uow, hasher, clock, user.id)
    await login(uow, hasher, tokens, password=NEW_PASSWORD)
    await _change_password(uow, hasher, clock, user.id, current=NEW_PASSWORD, new=PASSWORD)

    events = uow.stored_events()
    assert _kinds(events) == [
        ("UserRegistered", user.id),
        ("UserPasswordChanged", user.id),
        ("UserPasswordChanged", user.id),
    ]
    assert len({event.event_id for event in events}) == 3


@pytest.mark.parametrize(
    ("current", "new", "error", "code"),
    [
        pytest.param(
            "not my password",
            NEW_PASSWORD,
            AuthorizationError,
            "INVALID_CURRENT_PASSWORD",
            id="wrong-current-password",
        ),
        pytest.param(PASSWORD, "short", ValidationError, None, id="weak-new-password"),
    ],
)
async def test_a_refused_password_change_stores_no_event(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    current: str,
    new: str,
    error: type[DomainError],
    code: str | None,
) -> None:
    user = await create_user(uow, hasher, clock)
    before = uow.stored_events()

    with pytest.raises(error) as caught:
        await _change_password(uow, hasher, clock, user.id, current=current, new=new)

    if code is not None:
        assert caught.value.code == code
    assert uow.stored_events() == before


async def test_a_password_change_that_lost_a_race_stores_no_event(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    user = await create_user(uow, hasher, clock)
    before = uow.stored_events()

    async def someone_else_changed_it(user_id: UserId) -> None:
        # Another request changed the password while this one was hashing.
        uow.on_user_lock = None
        uow.working_state().users[user_id].password_hash = "changed by someone else"

    uow.on_user_lock = someone_else_changed_it
    with pytest.raises(ConflictError) as caught:
        await _change_password(uow, hasher, clock, user.id)

    assert caught.value.code == "PASSWORD_CHANGED_CONCURRENTLY"
    assert caught.value.message == "The password was changed meanwhile; sign in again"
    assert uow.rollbacks == 1
    assert uow.stored_events() == before


async def test_a_taken_email_stores_no_second_registration(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    first = await create_user(uow, hasher, clock)

    with pytest.raises(ConflictError) as caught:
        await handle_register_user(
            RegisterUserCommand(email="ALICE@example.com", password=PASSWORD),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )

    assert caught.value.code == "EMAIL_TAKEN"
    assert _kinds(uow.stored_events()) == [("UserRegistered", first.id)]


async def test_a_user_creation_the_requester_may_not_do_stores_no_event(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    member = await create_user(uow, hasher, clock, "member@example.com")

    with pytest.raises(AuthorizationError):
        await handle_create_user(
            CreateUserCommand(
                email="mallory@example.com",
                password=PASSWORD,
                requester=Principal(user_id=member.id),
                role=Role.ADMIN,
            ),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )

    assert _kinds(uow.stored_events()) == [("UserRegistered", member.id)]
