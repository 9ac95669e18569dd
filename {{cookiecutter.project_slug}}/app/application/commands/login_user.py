from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class LoginUserCommand:
    email: str
    password: str = field(repr=False)
