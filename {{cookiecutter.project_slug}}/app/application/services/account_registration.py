"""Opening an account: shared by self-registration and admin creation."""

from app.application.dto.user import UserDTO
from app.application.unit_of_work import UnitOfWork
from app.domain.entities.user import UserEntity
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.email import Email
from app.domain.value_objects.password import Password
from app.domain.value_objects.role import Role


async def open_account(
    *,
    email: str,
    password: str,
    role: Role,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    clock: Clock,
) -> UserDTO:
    # Validate before hashing: bcrypt time is only spent on acceptable input.
    address = Email.parse(email)
    secret = Password(password)
    user = UserEntity.register(
        email=address,
        password_hash=await hasher.hash(secret),
        role=role,
        now=clock.now(),
    )
    async with uow:
        await uow.users.add(user)
    return UserDTO.from_entity(user)
