from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RegisterUserCommand:
    email: str
    password: str = field(repr=False)
