"""Base class for value objects: frozen dataclasses validated on creation."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ValueObject:
    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValidationError when the value breaks an invariant."""
