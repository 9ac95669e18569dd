"""The requester as the database knows them now, not as their access token remembers.

An access token proves who signed in, for as long as it lives; whether that
account still exists, is still active and which role it has are read again by
every handler that acts for it, so deleting, deactivating or demoting a user
takes effect on their next request instead of when their token expires.
"""

import uuid

from app.application.read_database import ReadDatabase
from app.application.read_models.user import UserReadModel
from app.domain.entities.user import UserEntity
from app.domain.errors import AuthorizationError, InvalidTokenError
from app.domain.interfaces.user_repository import UserRepository
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId


def _account_gone() -> InvalidTokenError:
    # 401, like any other dead token: the client's answer is to sign in again.
    return InvalidTokenError("The account of this access token no longer exists")


def _account_disabled() -> InvalidTokenError:
    return InvalidTokenError(
        "The account of this access token is deactivated", code="ACCOUNT_DISABLED"
    )


async def requester_account(
    users: UserRepository, requester_id: uuid.UUID, *, lock: bool = False
) -> UserEntity:
    """The requester's aggregate inside a unit of work; `lock` takes the user's lock too."""
    user_id = UserId(requester_id)
    user = await (users.get_for_update(user_id) if lock else users.get(user_id))
    if user is None:
        raise _account_gone()
    if not user.is_active:
        raise _account_disabled()
    return user


async def requester_record(reader: ReadDatabase, requester_id: uuid.UUID) -> UserReadModel:
    """The requester's public record, for query handlers (one primary-key read)."""
    row = await reader.fetch_one("users.get_by_id", {"id": str(requester_id)})
    if row is None:
        raise _account_gone()
    requester = UserReadModel.model_validate(row)
    if not requester.is_active:
        raise _account_disabled()
    return requester


def require_role(role: Role, required: Role) -> None:
    if role is not required:
        raise AuthorizationError(f"This action requires the {required.value} role")
