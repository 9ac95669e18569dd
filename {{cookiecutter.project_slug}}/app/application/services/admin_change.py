"""What both admin changes of an account share: who may make them, and the last admin.

An admin demoting or deactivating an admin could leave the service with nobody able to
administer it, so such a change first counts (and locks) the active admins; only then
are the requester and the target read, so concurrent changes see each other's result.
"""

import uuid

from app.application.services.requester import requester_account, require_role
from app.application.unit_of_work import UnitOfWork
from app.domain.entities.user import UserEntity
from app.domain.errors import ConflictError, NotFoundError
from app.domain.value_objects.role import Role
from app.domain.value_objects.user_id import UserId


async def account_to_change(
    uow: UnitOfWork, *, requester_id: uuid.UUID, user_id: uuid.UUID, removes_admin: bool
) -> UserEntity:
    """The target, locked, once the requester proved an admin; call inside `async with uow`.

    `removes_admin`: the change would end the target's being an active admin, if it is one.
    """
    active_admins = await uow.users.lock_active_admins() if removes_admin else None
    requester = await requester_account(uow.users, requester_id)
    require_role(requester.role, Role.ADMIN)
    target = await uow.users.get_for_update(UserId(user_id))
    if target is None:
        raise NotFoundError("User not found", code="USER_NOT_FOUND")
    if active_admins is not None and target.is_active_admin and active_admins <= 1:
        raise ConflictError(
            "The last active admin can be neither demoted nor deactivated",
            code="LAST_ACTIVE_ADMIN",
        )
    return target
