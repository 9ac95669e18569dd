from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TokenPairDTO:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    token_type: str = "bearer"
