"""Who is calling: the verified content of an access token."""

import uuid
from dataclasses import dataclass

from app.domain.value_objects.role import Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: uuid.UUID
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
