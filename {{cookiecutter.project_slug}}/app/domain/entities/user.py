"""The user aggregate."""

from datetime import datetime

from app.domain.entities.aggregate_root import AggregateRoot
from app.domain.errors import ValidationError
from app.domain.events.user_password_changed import UserPasswordChanged
from app.domain.events.user_registered import UserRegistered
from app.domain.events.user_role_changed import UserRoleChanged
from app.domain.events.user_status_changed import UserStatusChanged
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId


class UserEntity(AggregateRoot[UserId]):
    def __init__(
        self,
        *,
        id_: UserId,
        email: Email,
        password_hash: str,
        role: Role,
        created_at: datetime,
        is_active: bool = True,
    ) -> None:
        super().__init__(id_=id_)
        if not password_hash:
            raise ValidationError("A user needs a password hash", code="MISSING_PASSWORD_HASH")
        self.email = email
        self.password_hash = password_hash
        self.role = role
        self.created_at = created_at
        # A deactivated account keeps its data but can neither sign in nor act.
        self.is_active = is_active

    @classmethod
    def register(
        cls, *, email: Email, password_hash: str, role: Role, now: datetime
    ) -> "UserEntity":
        user = cls(
            id_=UserId.generate(),
            email=email,
            password_hash=password_hash,
            role=role,
            created_at=now,
        )
        user.record(
            UserRegistered(
                aggregate_id=user.id_.value, occurred_at=now, email=email.value, role=role.value
            )
        )
        return user

    def change_password_hash(self, password_hash: str, *, now: datetime) -> None:
        """A new password: the owner chose it, so subscribers hear of it."""
        self._replace_hash(password_hash)
        self.record(UserPasswordChanged(aggregate_id=self.id_.value, occurred_at=now))

    @property
    def is_active_admin(self) -> bool:
        return self.is_active and self.role is Role.ADMIN

    def change_role(self, role: Role, *, by: UserId, now: datetime) -> bool:
        """Give the account `role`, as admin `by`; False (and no event) if it had it already."""
        if role is self.role:
            return False
        self.role = role
        self.record(
            UserRoleChanged(
                aggregate_id=self.id_.value, occurred_at=now, role=role.value, changed_by=by.value
            )
        )
        return True

    def change_status(self, *, is_active: bool, by: UserId, now: datetime) -> bool:
        """Deactivate or reactivate, as admin `by`; False (and no event) if nothing changes."""
        if is_active is self.is_active:
            return False
        self.is_active = is_active
        self.record(
            UserStatusChanged(
                aggregate_id=self.id_.value,
                occurred_at=now,
                is_active=is_active,
                changed_by=by.value,
            )
        )
        return True

    def upgrade_password_hash(self, password_hash: str) -> None:
        """The same password hashed at today's cost: nothing happened that anyone reacts to."""
        self._replace_hash(password_hash)

    def _replace_hash(self, password_hash: str) -> None:
        if not password_hash:
            raise ValidationError("A user needs a password hash", code="MISSING_PASSWORD_HASH")
        self.password_hash = password_hash
