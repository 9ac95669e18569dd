"""RegisterUser and CreateUser: validation first, one account per address, admins create users."""

import uuid

import pytest

from app.application.commands.create_user import CreateUserCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.dto.principal import Principal
from app.application.dto.user import UserDTO
from app.application.handlers.commands.create_user_handler import handle_create_user
from app.application.handlers.commands.register_user_handler import handle_register_user
from app.domain.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    ValidationError,
)
from app.domain.value_objects.role import Role

from .fakes import FakePasswordHasher, FixedClock, InMemoryUnitOfWork, RecordingSecurityLog
from .helpers import PASSWORD, create_user


async def test_register_stores_a_user_with_normalised_email_and_hashed_password(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    dto = await handle_register_user(
        RegisterUserCommand(email="  Alice@Example.COM ", password=PASSWORD),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )
    assert dto.email == "alice@example.com"
    assert dto.role is Role.USER
    assert dto.created_at == clock.now()
    [stored] = uow.stored_users()
    assert stored.id_.value == dto.id
    assert stored.email.value == "alice@example.com"
    assert stored.password_hash != PASSWORD
    assert await hasher.verify(PASSWORD, stored.password_hash)
    assert hasher.hashed == [PASSWORD]


def test_register_command_cannot_ask_for_a_role() -> None:
    with pytest.raises(TypeError):
        RegisterUserCommand(email="a@example.com", password=PASSWORD, role=Role.ADMIN)  # type: ignore[call-arg]


def test_user_dto_never_carries_a_password_or_hash() -> None:
    assert not {"password", "password_hash"} & set(UserDTO.__dataclass_fields__)


@pytest.mark.parametrize(
    "second_email",
    [
        pytest.param("alice@example.com", id="same-address"),
        pytest.param("ALICE@EXAMPLE.COM", id="different-case"),
        pytest.param(" alice@example.com ", id="surrounding-spaces"),
    ],
)
async def test_register_twice_is_a_conflict(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, second_email: str
) -> None:
    await handle_register_user(
        RegisterUserCommand(email="alice@example.com", password=PASSWORD),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )
    with pytest.raises(ConflictError) as caught:
        await handle_register_user(
            RegisterUserCommand(email=second_email, password="another password"),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )
    assert caught.value.code == "EMAIL_TAKEN"
    assert len(uow.stored_users()) == 1
    assert uow.rollbacks == 1


@pytest.mark.parametrize(
    ("email", "password", "code"),
    [
        pytest.param("alice@example.com", "short", "PASSWORD_TOO_SHORT", id="short-password"),
        pytest.param("alice@example.com", "€" * 257, "PASSWORD_TOO_LONG", id="257-characters"),
        pytest.param("not-an-email", PASSWORD, "INVALID_EMAIL", id="bad-email"),
    ],
)
async def test_invalid_registration_stores_nothing_and_never_hashes(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    email: str,
    password: str,
    code: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        await handle_register_user(
            RegisterUserCommand(email=email, password=password),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )
    assert caught.value.code == code
    assert uow.stored_users() == []
    assert hasher.hashed == []


@pytest.mark.parametrize("role", [pytest.param(role, id=role.value) for role in Role])
async def test_create_user_honours_the_requested_role(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, role: Role
) -> None:
    dto = await handle_create_user(
        CreateUserCommand(email="Bob@Example.com", password=PASSWORD, requester=None, role=role),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )
    assert dto.role is role
    assert dto.email == "bob@example.com"
    [stored] = uow.stored_users()
    assert stored.role is role


async def test_create_user_defaults_to_plain_user(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    dto = await handle_create_user(
        CreateUserCommand(email="bob@example.com", password=PASSWORD, requester=None),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )
    assert dto.role is Role.USER


async def test_create_user_rejects_a_taken_email(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    command = CreateUserCommand(
        email="bob@example.com", password=PASSWORD, requester=None, role=Role.ADMIN
    )
    await handle_create_user(command, uow, hasher, clock, RecordingSecurityLog())
    with pytest.raises(ConflictError) as caught:
        await handle_create_user(command, uow, hasher, clock, RecordingSecurityLog())
    assert caught.value.code == "EMAIL_TAKEN"


# --- who may create users: the requester's role as stored now ---------------------------------


async def _create_as(
    requester: Principal, uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> UserDTO:
    command = CreateUserCommand(email="new@example.com", password=PASSWORD, requester=requester)
    return await handle_create_user(command, uow, hasher, clock, RecordingSecurityLog())


async def test_an_admin_creates_users(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    admin = await create_user(uow, hasher, clock, "admin@example.com", role=Role.ADMIN)

    dto = await _create_as(Principal(admin.id), uow, hasher, clock)

    assert dto.email == "new@example.com"


async def test_a_plain_user_may_not_create_users_and_costs_no_hash(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    user = await create_user(uow, hasher, clock, "user@example.com")
    hashes_before = len(hasher.hashed)

    with pytest.raises(AuthorizationError) as caught:
        await _create_as(Principal(user.id), uow, hasher, clock)

    assert caught.value.code == "FORBIDDEN"
    assert len(hasher.hashed) == hashes_before
    assert [stored.email.value for stored in uow.stored_users()] == ["user@example.com"]


async def test_a_requester_who_no_longer_exists_is_an_authentication_error(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await _create_as(Principal(uuid.uuid4()), uow, hasher, clock)

    assert caught.value.code == "INVALID_TOKEN"
    assert hasher.hashed == []
    assert uow.stored_users() == []
