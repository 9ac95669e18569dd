"""LoginUser, RefreshToken, LogoutUser and ChangePassword with in-memory fakes."""

import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta

import pytest

from app.application.commands.change_password import ChangePasswordCommand
from app.application.commands.logout_user import LogoutUserCommand
from app.application.commands.purge_expired_tokens import PurgeExpiredTokensCommand
from app.application.handlers.commands.change_password_handler import handle_change_password
from app.application.handlers.commands.logout_user_handler import handle_logout_user
from app.application.handlers.commands.purge_expired_tokens_handler import (
    handle_purge_expired_tokens,
)
from app.application.services.token_service import TokenService, hash_refresh_token
from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    ValidationError,
)
from app.domain.value_objects.password import Password
from app.domain.value_objects.user_id import UserId

from .fakes import (
    EPOCH,
    FakePasswordHasher,
    FixedClock,
    InMemoryRefreshTokenRepository,
    InMemoryUnitOfWork,
    RecordingSecurityLog,
)
from .helpers import (
    ACCESS_TTL,
    PASSWORD,
    REFRESH_TTL,
    SESSION_LIFETIME,
    create_user,
    login,
    refresh,
)


def stored_token(uow: InMemoryUnitOfWork, raw: str) -> RefreshTokenEntity:
    [token] = [t for t in uow.stored_tokens() if t.token_hash == hash_refresh_token(raw)]
    return token


async def refused_refresh(
    uow: InMemoryUnitOfWork, tokens: TokenService, clock: FixedClock, raw: str
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await refresh(uow, tokens, clock, raw)
    assert caught.value.code == "INVALID_REFRESH_TOKEN"


# --- LoginUser -------------------------------------------------------------------------------


async def test_login_returns_a_pair_and_stores_only_the_refresh_token_hash(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    user = await create_user(uow, hasher, clock)
    pair = await login(uow, hasher, tokens, email=" ALICE@example.com ")
    assert pair.token_type == "bearer"
    assert pair.expires_in == int(ACCESS_TTL.total_seconds())
    assert tokens.authenticate(pair.access_token).user_id == user.id
    [token] = uow.stored_tokens()
    assert token.token_hash == hash_refresh_token(pair.refresh_token)
    assert token.token_hash != pair.refresh_token
    assert token.user_id.value == user.id
    assert token.expires_at == clock.now() + REFRESH_TTL


@pytest.mark.parametrize(
    ("outdated", "rehashed"),
    [pytest.param(True, [PASSWORD], id="outdated-hash"), pytest.param(False, [], id="current")],
)
async def test_login_rehashes_only_an_outdated_hash(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    tokens: TokenService,
    outdated: bool,
    rehashed: list[str],
) -> None:
    await create_user(uow, hasher, clock)
    [user] = uow.stored_users()
    if outdated:
        hasher.outdated.add(user.password_hash)
    hasher.hashed.clear()

    await login(uow, hasher, tokens)

    assert hasher.hashed == rehashed


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("nobody@example.com", PASSWORD, id="unknown-email"),
        pytest.param("alice@example.com", "wrong password", id="wrong-password"),
        pytest.param("not an email", PASSWORD, id="malformed-email"),
        pytest.param("alice@example.com", "x" * 300, id="longer-than-any-password"),
    ],
)
async def test_failed_logins_look_alike_and_always_verify_once(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    tokens: TokenService,
    email: str,
    password: str,
) -> None:
    await create_user(uow, hasher, clock)
    with pytest.raises(AuthenticationError) as caught:
        await login(uow, hasher, tokens, email=email, password=password)
    assert (caught.value.code, caught.value.message) == (
        "INVALID_CREDENTIALS",
        "Invalid email or password",
    )
    assert len(hasher.verified) == 1, "the hasher runs exactly once, known account or not"
    assert uow.stored_tokens() == []


async def test_unknown_email_takes_the_dummy_verify_path(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, tokens: TokenService
) -> None:
    with pytest.raises(AuthenticationError):
        await login(uow, hasher, tokens, email="nobody@example.com")
    assert hasher.verified == [(PASSWORD, None)]


async def test_each_login_starts_its_own_family(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    await create_user(uow, hasher, clock)
    await login(uow, hasher, tokens)
    await login(uow, hasher, tokens)
    assert len({token.family_id for token in uow.stored_tokens()}) == 2


# --- RefreshToken ----------------------------------------------------------------------------


async def test_refresh_rotates_within_the_same_family(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    user = await create_user(uow, hasher, clock)
    first = await login(uow, hasher, tokens)
    clock.advance(timedelta(minutes=5))
    second = await refresh(uow, tokens, clock, first.refresh_token)

    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert tokens.authenticate(second.access_token).user_id == user.id
    old, new = stored_token(uow, first.refresh_token), stored_token(uow, second.refresh_token)
    assert old.used_at == clock.now()
    assert new.family_id == old.family_id
    assert not new.was_redeemed_or_revoked


async def test_replaying_a_rotated_token_revokes_the_whole_family(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    await create_user(uow, hasher, clock)
    first = await login(uow, hasher, tokens)
    second = await refresh(uow, tokens, clock, first.refresh_token)
    third = await refresh(uow, tokens, clock, second.refresh_token)

    await refused_refresh(uow, tokens, clock, first.refresh_token)
    assert all(token.revoked_at is not None for token in uow.stored_tokens())
    await refused_refresh(uow, tokens, clock, third.refresh_token)


async def test_replay_revokes_only_that_family(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    await create_user(uow, hasher, clock)
    stolen = await login(uow, hasher, tokens)
    other_device = await login(uow, hasher, tokens)
    await refresh(uow, tokens, clock, stolen.refresh_token)
    with pytest.raises(AuthenticationError):
        await refresh(uow, tokens, clock, stolen.refresh_token)
    assert await refresh(uow, tokens, clock, other_device.refresh_token)


@pytest.mark.parametrize(
    "age",
    [
        pytest.param(REFRESH_TTL, id="at-expiry"),
        pytest.param(REFRESH_TTL + timedelta(days=1), id="a-day-late"),
    ],
)
async def test_expired_refresh_token_is_refused(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    tokens: TokenService,
    age: timedelta,
) -> None:
    await create_user(uow, hasher, clock)
    pair = await login(uow, hasher, tokens)
    clock.advance(age)
    await refused_refresh(uow, tokens, clock, pair.refresh_token)
    assert stored_token(uow, pair.refresh_token).used_at is None


async def test_a_session_refreshed_daily_ends_at_its_absolute_lifetime(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    await create_user(uow, hasher, clock)
    logged_in_at = clock.now()
    pair = await login(uow, hasher, tokens)
    # Each refresh is well inside the idle timeout, yet the session still ends.
    while clock.now() + timedelta(days=1) < logged_in_at + SESSION_LIFETIME:
        clock.advance(timedelta(days=1))
        pair = await refresh(uow, tokens, clock, pair.refresh_token)
    last = stored_token(uow, pair.refresh_token)
    assert last.session_started_at == logged_in_at
    assert last.expires_at == logged_in_at + SESSION_LIFETIME

    clock.advance(logged_in_at + SESSION_LIFETIME - clock.now())
    await refused_refresh(uow, tokens, clock, pair.refresh_token)


async def test_a_new_login_starts_a_new_session(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    await create_user(uow, hasher, clock)
    await login(uow, hasher, tokens)
    clock.advance(SESSION_LIFETIME - timedelta(hours=1))
    second = stored_token(uow, (await login(uow, hasher, tokens)).refresh_token)
    assert second.session_started_at == clock.now()
    assert second.expires_at == clock.now() + REFRESH_TTL


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("never-issued", id="unknown"),
        pytest.param("", id="empty"),
    ],
)
async def test_unknown_refresh_token_is_refused(
    uow: InMemoryUnitOfWork, tokens: TokenService, clock: FixedClock, raw: str
) -> None:
    await refused_refresh(uow, tokens, clock, raw)


async def test_access_token_is_not_a_refresh_token(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    await create_user(uow, hasher, clock)
    pair = await login(uow, hasher, tokens)
    await refused_refresh(uow, tokens, clock, pair.access_token)


# --- LogoutUser ------------------------------------------------------------------------------


async def test_logout_revokes_the_callers_family_only(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    alice = await create_user(uow, hasher, clock)
    this_device = await login(uow, hasher, tokens)
    rotated = await refresh(uow, tokens, clock, this_device.refresh_token)
    other_device = await login(uow, hasher, tokens)

    await handle_logout_user(
        LogoutUserCommand(user_id=alice.id, refresh_token=rotated.refresh_token),
        uow,
        clock,
        RecordingSecurityLog(),
    )
    assert stored_token(uow, this_device.refresh_token).revoked_at is not None
    assert stored_token(uow, rotated.refresh_token).revoked_at is not None
    assert stored_token(uow, other_device.refresh_token).revoked_at is None
    with pytest.raises(AuthenticationError):
        await refresh(uow, tokens, clock, rotated.refresh_token)


async def test_logout_with_someone_elses_token_leaves_it_alone(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    tokens: TokenService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issue_user_ids(monkeypatch, OWNER_ID, uuid.UUID("00000000-0000-4000-8000-000000000009"))
    await create_user(uow, hasher, clock)
    mallory = await create_user(uow, hasher, clock, "mallory@example.com")
    alices = await login(uow, hasher, tokens)

    await handle_logout_user(
        LogoutUserCommand(user_id=mallory.id, refresh_token=alices.refresh_token),
        uow,
        clock,
        RecordingSecurityLog(),
    )
    assert stored_token(uow, alices.refresh_token).revoked_at is None
    assert await refresh(uow, tokens, clock, alices.refresh_token)


OWNER_ID = uuid.UUID("00000000-0000-4000-8000-000000000005")


def issue_user_ids(monkeypatch: pytest.MonkeyPatch, *ids: uuid.UUID) -> None:
    """The next users created get `ids`, in order: fixed ids, so comparisons are exact."""
    upcoming: Iterator[uuid.UUID] = iter(ids)
    monkeypatch.setattr(UserId, "generate", classmethod(lambda cls: cls(next(upcoming))))


@pytest.mark.parametrize(
    "caller_id",
    [
        pytest.param(uuid.UUID("00000000-0000-4000-8000-000000000001"), id="caller-id-below"),
        pytest.param(uuid.UUID("00000000-0000-4000-8000-000000000009"), id="caller-id-above"),
    ],
)
async def test_logout_never_revokes_a_family_of_another_user_whatever_the_ids_order(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    tokens: TokenService,
    monkeypatch: pytest.MonkeyPatch,
    caller_id: uuid.UUID,
) -> None:
    issue_user_ids(monkeypatch, OWNER_ID, caller_id)
    owner = await create_user(uow, hasher, clock)
    caller = await create_user(uow, hasher, clock, "mallory@example.com")
    assert (owner.id, caller.id) == (OWNER_ID, caller_id)
    owners = await login(uow, hasher, tokens)

    await handle_logout_user(
        LogoutUserCommand(user_id=caller.id, refresh_token=owners.refresh_token),
        uow,
        clock,
        RecordingSecurityLog(),
    )

    assert stored_token(uow, owners.refresh_token).revoked_at is None


async def test_logout_with_an_unknown_token_is_silent(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    alice = await create_user(uow, hasher, clock)
    await handle_logout_user(
        LogoutUserCommand(user_id=alice.id, refresh_token="never-issued"),
        uow,
        clock,
        RecordingSecurityLog(),
    )
    assert uow.stored_tokens() == []


async def test_logout_for_a_vanished_user_is_an_authentication_error(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await handle_logout_user(
            LogoutUserCommand(user_id=uuid.uuid4(), refresh_token="never-issued"),
            uow,
            clock,
            RecordingSecurityLog(),
        )
    assert caught.value.code == "INVALID_TOKEN"


# --- ChangePassword --------------------------------------------------------------------------

NEW_PASSWORD = "a brand new passphrase"


async def test_change_password_replaces_the_hash_and_ends_every_session(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    alice = await create_user(uow, hasher, clock)
    bob = await create_user(uow, hasher, clock, "bob@example.com")
    first_device = await login(uow, hasher, tokens)
    second_device = await login(uow, hasher, tokens)
    bobs = await login(uow, hasher, tokens, email="bob@example.com")

    await handle_change_password(
        ChangePasswordCommand(
            user_id=alice.id, current_password=PASSWORD, new_password=NEW_PASSWORD
        ),
        uow,
        hasher,
        clock,
        RecordingSecurityLog(),
    )
    stored = {user.id_.value: user for user in uow.stored_users()}
    assert await hasher.verify(NEW_PASSWORD, stored[alice.id].password_hash)
    assert not await hasher.verify(PASSWORD, stored[alice.id].password_hash)
    assert await hasher.verify(PASSWORD, stored[bob.id].password_hash)
    for pair in (first_device, second_device):
        assert stored_token(uow, pair.refresh_token).revoked_at == clock.now()
    assert stored_token(uow, bobs.refresh_token).revoked_at is None
    assert await login(uow, hasher, tokens, password=NEW_PASSWORD)
    with pytest.raises(AuthenticationError):
        await login(uow, hasher, tokens, password=PASSWORD)


async def test_change_password_with_wrong_current_password_changes_nothing(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    alice = await create_user(uow, hasher, clock)
    pair = await login(uow, hasher, tokens)
    with pytest.raises(AuthorizationError) as caught:
        await handle_change_password(
            ChangePasswordCommand(
                user_id=alice.id, current_password="not my password", new_password=NEW_PASSWORD
            ),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )
    assert caught.value.code == "INVALID_CURRENT_PASSWORD"
    [stored] = uow.stored_users()
    assert await hasher.verify(PASSWORD, stored.password_hash)
    assert stored_token(uow, pair.refresh_token).revoked_at is None


@pytest.mark.parametrize(
    ("new_password", "code"),
    [
        pytest.param("short", "PASSWORD_TOO_SHORT", id="too-short"),
        pytest.param("€" * 257, "PASSWORD_TOO_LONG", id="too-many-characters"),
    ],
)
async def test_change_password_rejects_a_weak_new_password(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    new_password: str,
    code: str,
) -> None:
    alice = await create_user(uow, hasher, clock)
    hasher.hashed.clear()
    with pytest.raises(ValidationError) as caught:
        await handle_change_password(
            ChangePasswordCommand(
                user_id=alice.id, current_password=PASSWORD, new_password=new_password
            ),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )
    assert caught.value.code == code
    assert hasher.hashed == []
    [stored] = uow.stored_users()
    assert await hasher.verify(PASSWORD, stored.password_hash)


async def test_change_password_for_a_vanished_user_is_an_authentication_error(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock
) -> None:
    with pytest.raises(AuthenticationError, match="no longer exists"):
        await handle_change_password(
            ChangePasswordCommand(
                user_id=uuid.uuid4(), current_password=PASSWORD, new_password=NEW_PASSWORD
            ),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )


# --- races: what commits while a handler hashes or waits for the user's lock ----------------

SOMEONE_ELSES_PASSWORD = "changed from another device"


def password_changed_while_hashing(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, user_id: uuid.UUID, new_password: str
) -> Callable[[], Awaitable[None]]:
    """An `after_verify` hook: another request changes the password, once, and commits."""

    async def change() -> None:
        hasher.after_verify = None
        async with uow:
            user = await uow.users.get(UserId(user_id))
            assert user is not None
            user.change_password_hash(await hasher.hash(Password(new_password)), now=EPOCH)
            await uow.users.update_password(user)

    return change


async def test_login_issues_nothing_when_the_password_changed_during_verification(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    alice = await create_user(uow, hasher, clock)
    hasher.after_verify = password_changed_while_hashing(uow, hasher, alice.id, NEW_PASSWORD)

    with pytest.raises(AuthenticationError) as caught:
        await login(uow, hasher, tokens)  # the old password, which did verify

    assert caught.value.code == "INVALID_CREDENTIALS"
    assert uow.stored_tokens() == []
    [stored] = uow.stored_users()
    assert await hasher.verify(NEW_PASSWORD, stored.password_hash)


async def test_change_password_is_a_conflict_when_another_change_committed_meanwhile(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    alice = await create_user(uow, hasher, clock)
    hasher.after_verify = password_changed_while_hashing(
        uow, hasher, alice.id, SOMEONE_ELSES_PASSWORD
    )

    with pytest.raises(ConflictError) as caught:
        await handle_change_password(
            ChangePasswordCommand(
                user_id=alice.id, current_password=PASSWORD, new_password=NEW_PASSWORD
            ),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )

    assert caught.value.code == "PASSWORD_CHANGED_CONCURRENTLY"
    [stored] = uow.stored_users()
    assert await hasher.verify(SOMEONE_ELSES_PASSWORD, stored.password_hash), "first change wins"
    assert not await hasher.verify(NEW_PASSWORD, stored.password_hash)


def hash_replaced_while_verifying(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, user_id: uuid.UUID, competing: str
) -> Callable[[], Awaitable[None]]:
    """An `after_verify` hook: another request stores exactly `competing` as the hash."""

    async def replace() -> None:
        hasher.after_verify = None
        async with uow:
            user = await uow.users.get(UserId(user_id))
            assert user is not None
            user.change_password_hash(competing, now=EPOCH)
            await uow.users.update_password(user)

    return replace


ORIGINAL_HASH = f"{FakePasswordHasher.PREFIX}{PASSWORD[::-1]}"
# A competing hash on either side of the original, so no ordering stands in for "changed".
COMPETING_HASHES = [
    pytest.param(ORIGINAL_HASH[:-1], id="competing-hash-below"),
    pytest.param(ORIGINAL_HASH + "~", id="competing-hash-above"),
]


@pytest.mark.parametrize("competing", COMPETING_HASHES)
async def test_login_issues_nothing_when_any_other_hash_was_stored_during_verification(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    tokens: TokenService,
    competing: str,
) -> None:
    alice = await create_user(uow, hasher, clock)
    [stored] = uow.stored_users()
    assert stored.password_hash == ORIGINAL_HASH
    hasher.after_verify = hash_replaced_while_verifying(uow, hasher, alice.id, competing)

    with pytest.raises(AuthenticationError) as caught:
        await login(uow, hasher, tokens)

    assert caught.value.code == "INVALID_CREDENTIALS"
    assert uow.stored_tokens() == []


@pytest.mark.parametrize("competing", COMPETING_HASHES)
async def test_change_password_is_a_conflict_when_any_other_hash_was_stored_meanwhile(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, competing: str
) -> None:
    alice = await create_user(uow, hasher, clock)
    hasher.after_verify = hash_replaced_while_verifying(uow, hasher, alice.id, competing)

    with pytest.raises(ConflictError) as caught:
        await handle_change_password(
            ChangePasswordCommand(
                user_id=alice.id, current_password=PASSWORD, new_password=NEW_PASSWORD
            ),
            uow,
            hasher,
            clock,
            RecordingSecurityLog(),
        )

    assert caught.value.code == "PASSWORD_CHANGED_CONCURRENTLY"
    [stored] = uow.stored_users()
    assert stored.password_hash == competing, "the competing change wins"


async def test_refresh_rereads_the_token_under_the_lock_and_mints_nothing_if_revoked(
    uow: InMemoryUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FixedClock,
    tokens: TokenService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await create_user(uow, hasher, clock)
    pair = await login(uow, hasher, tokens)
    steps: list[str] = []
    read_token = InMemoryRefreshTokenRepository.get_by_hash

    async def recorded_read(
        self: InMemoryRefreshTokenRepository, token_hash: str
    ) -> RefreshTokenEntity | None:
        steps.append("read token")
        return await read_token(self, token_hash)

    async def logout_lands_before_the_lock(user_id: UserId) -> None:
        # A logout that committed between the handler's first read and its lock.
        steps.append("lock user")
        uow.on_user_lock = None
        await uow.refresh_tokens.revoke_all_for_user(user_id, clock.now())

    monkeypatch.setattr(InMemoryRefreshTokenRepository, "get_by_hash", recorded_read)
    uow.on_user_lock = logout_lands_before_the_lock

    with pytest.raises(AuthenticationError) as caught:
        await refresh(uow, tokens, clock, pair.refresh_token)

    assert caught.value.code == "INVALID_REFRESH_TOKEN"
    assert steps == ["read token", "lock user", "read token"]
    [token] = uow.stored_tokens()  # nothing was minted
    assert token.revoked_at is not None
    assert token.used_at is None


async def test_purge_deletes_only_expired_tokens(
    uow: InMemoryUnitOfWork, hasher: FakePasswordHasher, clock: FixedClock, tokens: TokenService
) -> None:
    await create_user(uow, hasher, clock)
    first = await login(uow, hasher, tokens)
    await refresh(uow, tokens, clock, first.refresh_token)  # the first one is now used
    purge = PurgeExpiredTokensCommand()

    assert await handle_purge_expired_tokens(purge, uow, clock) == 0
    clock.advance(REFRESH_TTL + timedelta(seconds=1))
    assert await handle_purge_expired_tokens(purge, uow, clock) == 2
    assert uow.stored_tokens() == []
