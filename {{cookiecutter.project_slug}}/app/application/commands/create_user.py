from dataclasses import dataclass, field

from app.domain.value_objects.role import Role


@dataclass(frozen=True, slots=True)
class CreateUserCommand:
    email: str
    password: str = field(repr=False)
    role: Role = Role.USER
