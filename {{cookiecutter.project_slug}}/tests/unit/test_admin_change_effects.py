"""What an admin's change does: the admin named on its event, sessions ended, last admin kept."""

from app.application.commands.change_user_role import ChangeUserRoleCommand
from app.application.commands.change_user_status import ChangeUserStatusCommand
from app.application.dto.principal import Principal
from app.application.handlers.commands.change_user_role_handler import handle_change_user_role
from app.application.handlers.commands.change_user_status_handler import (
    handle_change_user_status,
)
from app.application.services.token_service import TokenService
from app.domain.events.user_role_changed import UserRoleChanged
from app.domain.events.user_status_changed import UserStatusChanged
from app.domain.value_objects.role import Role

from .fakes import FakePasswordHasher, FixedClock, InMemoryUnitOfWork
from .helpers import create_user, login


async def test_a_role_change_names_the_admin_who_made_it(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    admin = await create_user(uow, hasher, clock, "root@example.com", role=Role.ADMIN)
    alice = await create_user(uow, hasher, clock)

    command = ChangeUserRoleCommand(alice.id, Role.ADMIN, Principal(admin.id))
    await handle_change_user_role(command, uow, clock)

    [event] = [e for e in uow.stored_events() if isinstance(e, UserRoleChanged)]
    assert (event.aggregate_id, event.role, event.changed_by) == (alice.id, "admin", admin.id)


async def test_deactivating_names_the_admin_and_revokes_every_session_of_that_user(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    admin = await create_user(uow, hasher, clock, "root@example.com", role=Role.ADMIN)
    alice = await create_user(uow, hasher, clock)
    await login(uow, hasher, tokens)
    await login(uow, hasher, tokens, "root@example.com")

    off = ChangeUserStatusCommand(alice.id, is_active=False, requester=Principal(admin.id))
    await handle_change_user_status(off, uow, clock)

    assert _revoked(uow) == {alice.id: True, admin.id: False}
    [event] = [e for e in uow.stored_events() if isinstance(e, UserStatusChanged)]
    assert (event.aggregate_id, event.is_active, event.changed_by) == (alice.id, False, admin.id)


async def test_the_only_admin_may_make_a_change_that_keeps_them_an_active_admin(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    admin = await create_user(uow, hasher, clock, "root@example.com", role=Role.ADMIN)
    requester = Principal(admin.id)

    role = await handle_change_user_role(
        ChangeUserRoleCommand(admin.id, Role.ADMIN, requester), uow, clock
    )
    status = await handle_change_user_status(
        ChangeUserStatusCommand(admin.id, is_active=True, requester=requester), uow, clock
    )

    assert (role.role, status.is_active) == (Role.ADMIN, True)


def _revoked(uow: InMemoryUnitOfWork) -> dict[object, bool]:
    """Per user: whether every one of their refresh tokens is revoked."""
    by_user: dict[object, list[bool]] = {}
    for token in uow.stored_tokens():
        by_user.setdefault(token.user_id.value, []).append(token.revoked_at is not None)
    return {user: all(flags) for user, flags in by_user.items()}
