"""RegisterUser and CreateUser: validation first, then one account per address."""

import pytest

from app.application.commands.create_user import CreateUserCommand
from app.application.commands.register_user import RegisterUserCommand
from app.application.dto.user import UserDTO
from app.application.handlers.commands.create_user_handler import handle_create_user
from app.application.handlers.commands.register_user_handler import handle_register_user
from app.domain.errors import ConflictError, ValidationError
from app.domain.value_objects.role import Role

from .fakes import FakePasswordHasher, FixedClock, InMemoryUnitOfWork
from .helpers import PASSWORD


async def test_register_stores_a_user_with_normalised_email_and_hashed_password(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    dto = await handle_register_user(
        RegisterUserCommand(email="  Alice@Example.COM ", password=PASSWORD), uow, hasher, clock
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
        RegisterUserCommand(email="alice@example.com", password=PASSWORD), uow, hasher, clock
    )
    with pytest.raises(ConflictError) as caught:
        await handle_register_user(
            RegisterUserCommand(email=second_email, password="another password"),
            uow,
            hasher,
            clock,
        )
    assert caught.value.code == "EMAIL_TAKEN"
    assert len(uow.stored_users()) == 1
    assert uow.rollbacks == 1


@pytest.mark.parametrize(
    ("email", "password", "code"),
    [
        pytest.param("alice@example.com", "short", "PASSWORD_TOO_SHORT", id="short-password"),
        pytest.param("alice@example.com", "€" * 25, "PASSWORD_TOO_LONG", id="75-byte-password"),
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
            RegisterUserCommand(email=email, password=password), uow, hasher, clock
        )
    assert caught.value.code == code
    assert uow.stored_users() == []
    assert hasher.hashed == []


@pytest.mark.parametrize("role", [pytest.param(role, id=role.value) for role in Role])
async def test_create_user_honours_the_requested_role(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, role: Role
) -> None:
    dto = await handle_create_user(
        CreateUserCommand(email="Bob@Example.com", password=PASSWORD, role=role),
        uow,
        hasher,
        clock,
    )
    assert dto.role is role
    assert dto.email == "bob@example.com"
    [stored] = uow.stored_users()
    assert stored.role is role


async def test_create_user_defaults_to_plain_user(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    dto = await handle_create_user(
        CreateUserCommand(email="bob@example.com", password=PASSWORD), uow, hasher, clock
    )
    assert dto.role is Role.USER


async def test_create_user_rejects_a_taken_email(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    command = CreateUserCommand(email="bob@example.com", password=PASSWORD, role=Role.ADMIN)
    await handle_create_user(command, uow, hasher, clock)
    with pytest.raises(ConflictError) as caught:
        await handle_create_user(command, uow, hasher, clock)
    assert caught.value.code == "EMAIL_TAKEN"
