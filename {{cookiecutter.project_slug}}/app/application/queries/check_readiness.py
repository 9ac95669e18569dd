from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CheckReadinessQuery:
    """Asks whether the service can reach its database."""
