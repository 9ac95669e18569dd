from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RefreshTokenCommand:
    refresh_token: str = field(repr=False)
