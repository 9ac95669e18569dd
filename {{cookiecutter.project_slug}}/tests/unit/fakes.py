"""In-memory stand-ins for the ports the application layer depends on.

They honour the same contracts as the real adapters, so a handler that works
against them works against the database too:

- ``InMemoryUnitOfWork`` commits on success and discards every change made in
  a block that raised; repositories are only usable inside ``async with uow``.
- ``FakePasswordHasher`` is fast and deterministic, and with no hash it still
  counts a verification and returns False (the dummy-verify contract).
  ``after_verify`` lets a test run something while a handler is "hashing".
- ``InMemoryUnitOfWork.on_user_lock`` runs when a handler takes a user's lock
  (``get_for_update``): what another transaction committed just before it.
- ``InMemoryUnitOfWork`` also keeps an outbox as the real one does: the events of
  every user its repositories stored or handed out in a block that committed
  (``stored_events``), and the processed-event marks and account activity that
  subscribers wrote.
- ``InMemoryOutbox`` claims, marks and releases as the outbox table does (leases,
  each aggregate's events in order, what was delivered marked even once the claim
  ran out, releases only under the claim that took them);
  ``RecordingPublisher`` keeps what it was given and fails where a test asks.
- ``FixedClock`` stands still until a test moves it.
"""

import copy
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from app.application.events.event_record import EventRecord
from app.application.ports.account_activity_log import AccountActivityLog
from app.application.ports.event_publisher import (
    EventPublisher,
    EventRefusedError,
    PublishIncompleteError,
)
from app.application.ports.outbox import MarkedEvents, Outbox, OutboxBatch, PurgedEvents
from app.application.ports.processed_event_log import ProcessedEventLog
from app.application.ports.security_log import Detail, SecurityEvent
from app.application.services.access_token_codec import AccessClaims
from app.domain.entities.refresh_token import RefreshTokenEntity
from app.domain.entities.user import UserEntity
from app.domain.errors import ConflictError, InvalidTokenError
from app.domain.events.domain_event import DomainEvent
from app.domain.interfaces.refresh_token_repository import RefreshTokenRepository
from app.domain.interfaces.user_repository import UserRepository
from app.domain.services.clock import Clock
from app.domain.services.password_hasher import PasswordHasher
from app.domain.value_objects.email import Email
from app.domain.value_objects.password import Password
from app.domain.value_objects.user_id import UserId

EPOCH = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class FixedClock(Clock):
    def __init__(self, now: datetime = EPOCH) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FakePasswordHasher(PasswordHasher):
    """``hash`` is a reversible tag; ``verify`` records every call."""

    PREFIX = "fake-hash$"

    def __init__(self) -> None:
        self.hashed: list[str] = []
        self.verified: list[tuple[str, str | None]] = []
        # Runs after each verification, before its result is returned.
        self.after_verify: Callable[[], Awaitable[None]] | None = None
        # Hashes to report as made with weaker settings than today's.
        self.outdated: set[str] = set()

    async def hash(self, password: Password) -> str:
        self.hashed.append(password.value)
        return f"{self.PREFIX}{password.value[::-1]}"

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash in self.outdated

    async def verify(self, password: str, password_hash: str | None) -> bool:
        self.verified.append((password, password_hash))
        if self.after_verify is not None:
            await self.after_verify()
        if password_hash is None:
            return False  # dummy verification: same work, never a match
        return password_hash == f"{self.PREFIX}{password[::-1]}"


class FakeAccessTokenCodec:
    """Opaque, unsigned tokens kept in a dict; expiry checked against a clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._issued: dict[str, AccessClaims] = {}

    def encode(self, claims: AccessClaims) -> str:
        token = f"access-{uuid.uuid4().hex}"
        self._issued[token] = claims
        return token

    def decode(self, token: str) -> AccessClaims:
        claims = self._issued.get(token)
        if claims is None:
            raise InvalidTokenError("Invalid access token")
        if self._clock.now() >= claims.expires_at:
            raise InvalidTokenError("Access token expired", code="TOKEN_EXPIRED")
        return claims


@dataclass
class _State:
    users: dict[UserId, UserEntity] = field(default_factory=dict)
    tokens: dict[uuid.UUID, RefreshTokenEntity] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)
    processed: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    activity: list[dict[str, Any]] = field(default_factory=list)


class _Transactional:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    @property
    def _state(self) -> _State:
        return self._uow.working_state()


class InMemoryUserRepository(_Transactional, UserRepository):
    async def add(self, user: UserEntity) -> None:
        state = self._state
        if any(existing.email == user.email for existing in state.users.values()):
            raise ConflictError("An account with this email already exists", code="EMAIL_TAKEN")
        # What the table holds is the state: the events go to the outbox, from `user`.
        stored = copy.deepcopy(user)
        stored.clear_events()
        state.users[user.id_] = stored
        self._uow.track(user)

    async def get(self, user_id: UserId) -> UserEntity | None:
        return self._uow.track(copy.deepcopy(self._state.users.get(user_id)))

    async def get_for_update(self, user_id: UserId) -> UserEntity | None:
        # One task at a time touches the fakes, so there is nothing to lock; the
        # hook stands for whatever committed while the handler waited for the lock.
        if self._uow.on_user_lock is not None:
            await self._uow.on_user_lock(user_id)
        return await self.get(user_id)

    async def get_by_email(self, email: Email) -> UserEntity | None:
        for user in self._state.users.values():
            if user.email == email:
                return self._uow.track(copy.deepcopy(user))
        return None

    async def update_password(self, user: UserEntity) -> None:
        stored = self._state.users.get(user.id_)
        if stored is not None:
            stored.password_hash = user.password_hash

    async def update_access(self, user: UserEntity) -> None:
        stored = self._state.users.get(user.id_)
        if stored is not None:
            stored.role, stored.is_active = user.role, user.is_active

    async def lock_active_admins(self) -> int:
        return sum(user.is_active_admin for user in self._state.users.values())

    async def lock_all(self) -> int:
        return len(self._state.users)


class InMemoryRefreshTokenRepository(_Transactional, RefreshTokenRepository):
    async def add(self, token: RefreshTokenEntity) -> None:
        self._state.tokens[token.id_] = copy.deepcopy(token)

    async def get_by_hash(self, token_hash: str) -> RefreshTokenEntity | None:
        for token in self._state.tokens.values():
            if token.token_hash == token_hash:
                return copy.deepcopy(token)
        return None

    async def mark_used(self, token_id: uuid.UUID, at: datetime) -> bool:
        token = self._state.tokens.get(token_id)
        if token is None or token.used_at is not None or token.revoked_at is not None:
            return False
        token.used_at = at
        return True

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> None:
        for token in self._state.tokens.values():
            if token.family_id == family_id and token.revoked_at is None:
                token.revoked_at = at

    async def revoke_all_for_user(self, user_id: UserId, at: datetime) -> None:
        for token in self._state.tokens.values():
            if token.user_id == user_id and token.revoked_at is None:
                token.revoked_at = at

    async def end_session(self, user_id: UserId, family_id: uuid.UUID, at: datetime) -> bool:
        live = [
            token
            for token in self._live(at)
            if token.user_id == user_id and token.family_id == family_id
        ]
        for token in live:
            token.revoked_at = at
        return len(live) == 1

    async def end_other_sessions(
        self, user_id: UserId, keep_family_id: uuid.UUID | None, at: datetime
    ) -> None:
        for token in self._state.tokens.values():
            if token.user_id == user_id and token.family_id != keep_family_id:
                token.revoked_at = token.revoked_at or at

    async def end_sessions_beyond(
        self, user_id: UserId, keep: int, new_family_id: uuid.UUID, at: datetime
    ) -> None:
        others = [
            token
            for token in self._live(at)
            if token.user_id == user_id and token.family_id != new_family_id
        ]
        others.sort(key=lambda token: (token.session_started_at, str(token.id_)), reverse=True)
        for token in others[keep - 1 :]:
            token.revoked_at = at

    async def has_live_session(self, user_id: UserId, family_id: uuid.UUID, now: datetime) -> bool:
        return any(
            token.user_id == user_id and token.family_id == family_id for token in self._live(now)
        )

    async def revoke_all(self, at: datetime) -> int:
        live = self._live(at)
        for token in live:
            token.revoked_at = at
        return len(live)

    def _live(self, now: datetime) -> list[RefreshTokenEntity]:
        return [
            token
            for token in self._state.tokens.values()
            if not token.was_redeemed_or_revoked and not token.is_expired(now)
        ]

    async def delete_expired(self, now: datetime) -> int:
        tokens = self._state.tokens
        expired = [key for key, token in tokens.items() if token.expires_at < now]
        for key in expired:
            del tokens[key]
        return len(expired)


class InMemoryProcessedEventLog(_Transactional, ProcessedEventLog):
    async def record(self, event_id: uuid.UUID, subscriber: str, now: datetime) -> bool:
        marks = self._state.processed
        if (event_id, subscriber) in marks:
            return False
        marks.add((event_id, subscriber))
        return True

    async def contains(self, event_id: uuid.UUID, subscriber: str) -> bool:
        return (event_id, subscriber) in self._state.processed


class CommittedProcessedEventLog(ProcessedEventLog):
    """The marks as the engine reads them outside a transaction: what committed."""

    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    async def record(self, event_id: uuid.UUID, subscriber: str, now: datetime) -> bool:
        raise RuntimeError("a mark is only recorded inside `async with uow`")

    async def contains(self, event_id: uuid.UUID, subscriber: str) -> bool:
        return (event_id, subscriber) in self._uow.processed_marks()


class InMemoryAccountActivityLog(_Transactional, AccountActivityLog):
    async def add(
        self, *, user_id: uuid.UUID, activity: str, event_id: uuid.UUID, occurred_at: datetime
    ) -> None:
        self._state.activity.append(
            {
                "user_id": user_id,
                "activity": activity,
                "event_id": event_id,
                "occurred_at": occurred_at,
            }
        )


class InMemoryUnitOfWork:
    """Each ``async with`` block works on a copy that replaces the committed
    state on success and is thrown away on an exception."""

    def __init__(self) -> None:
        self._committed = _State()
        self._working: _State | None = None
        self._users = InMemoryUserRepository(self)
        self._refresh_tokens = InMemoryRefreshTokenRepository(self)
        self._processed_events = InMemoryProcessedEventLog(self)
        self._account_activity = InMemoryAccountActivityLog(self)
        self._tracked: list[UserEntity] = []
        self.commits = 0
        self.rollbacks = 0
        self.on_user_lock: Callable[[UserId], Awaitable[None]] | None = None

    @property
    def users(self) -> UserRepository:
        return self._users

    @property
    def refresh_tokens(self) -> RefreshTokenRepository:
        return self._refresh_tokens

    @property
    def processed_events(self) -> ProcessedEventLog:
        return self._processed_events

    @property
    def account_activity(self) -> AccountActivityLog:
        return self._account_activity

    def track(self, user: UserEntity | None) -> UserEntity | None:
        if user is not None and all(user is not seen for seen in self._tracked):
            self._tracked.append(user)
        return user

    async def __aenter__(self) -> Self:
        if self._working is not None:
            raise RuntimeError("unit of work is already open")
        self._working = copy.deepcopy(self._committed)
        self._tracked = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        working, self._working = self._working, None
        tracked, self._tracked = self._tracked, []
        if exc_type is None and working is not None:
            for user in tracked:
                working.events.extend(user.pending_events)
                user.clear_events()
            self._committed = working
            self.commits += 1
        else:
            self.rollbacks += 1

    def working_state(self) -> _State:
        if self._working is None:
            raise RuntimeError("repositories are only usable inside `async with uow`")
        return self._working

    # Copies of the committed state, for assertions: mutating them changes nothing.
    def stored_users(self) -> list[UserEntity]:
        return copy.deepcopy(list(self._committed.users.values()))

    def stored_tokens(self) -> list[RefreshTokenEntity]:
        return copy.deepcopy(list(self._committed.tokens.values()))

    def stored_events(self) -> list[DomainEvent]:
        return list(self._committed.events)

    def stored_activity(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._committed.activity)

    def committed_marks(self) -> ProcessedEventLog:
        return CommittedProcessedEventLog(self)

    def processed_marks(self) -> set[tuple[uuid.UUID, str]]:
        return set(self._committed.processed)


@dataclass
class _OutboxRow:
    record: EventRecord
    claim_token: uuid.UUID | None = None
    claimed_until: datetime | None = None
    published_at: datetime | None = None


class InMemoryOutbox(Outbox):
    """The outbox table's rows in a list; a row's position is its index plus one."""

    def __init__(self, *records: EventRecord) -> None:
        self._rows = [_OutboxRow(record) for record in records]

    def append(self, *records: EventRecord) -> None:
        self._rows.extend(_OutboxRow(record) for record in records)

    async def claim(self, *, limit: int, now: datetime, lease: timedelta) -> OutboxBatch:
        token = uuid.uuid4()
        waiting: set[uuid.UUID] = set()  # aggregates with an earlier unpublished event
        claimed: list[int] = []
        for index, row in enumerate(self._rows):
            if row.published_at is not None:
                continue
            aggregate = row.record.aggregate_id
            free = row.claimed_until is None or row.claimed_until < now
            if free and aggregate not in waiting and len(claimed) < limit:
                row.claim_token, row.claimed_until = token, now + lease
                claimed.append(index)
            waiting.add(aggregate)
        return OutboxBatch(
            claim_token=token,
            positions=tuple(index + 1 for index in claimed),
            records=tuple(self._rows[index].record for index in claimed),
        )

    async def mark_published(
        self, batch: OutboxBatch, count: int, now: datetime, *, hold_next: bool = False
    ) -> MarkedEvents:
        marked = lost = 0
        for number, position in enumerate(batch.positions):
            row = self._rows[position - 1]
            held = row.claim_token == batch.claim_token
            if number < count and not held:
                # Delivered after the claim ran out: published, whoever holds it now.
                lost += 1
                if row.published_at is None:
                    row.published_at = now
                    marked += 1
                continue
            if not held or (number == count and hold_next):
                continue  # another relay's now, or it keeps the claim until the lease runs out
            if number < count:
                row.published_at = row.published_at or now
                marked += 1
            row.claim_token = row.claimed_until = None
        return MarkedEvents(marked=marked, lost=lost)

    async def purge(self, before: datetime) -> PurgedEvents:
        """Published rows only: the processed-event marks live in the unit of work's fake."""
        kept = [row for row in self._rows if row.published_at is None or row.published_at >= before]
        purged = len(self._rows) - len(kept)
        self._rows = kept
        return PurgedEvents(published=purged, processed=0)

    def published(self) -> list[EventRecord]:
        return [row.record for row in self._rows if row.published_at is not None]

    def unpublished(self) -> list[EventRecord]:
        return [row.record for row in self._rows if row.published_at is None]

    def claimed(self) -> list[EventRecord]:
        return [row.record for row in self._rows if row.claim_token is not None]


class RecordingPublisher(EventPublisher):
    """Delivers by appending to ``delivered``; fails where a test asks it to."""

    def __init__(self) -> None:
        self.delivered: list[EventRecord] = []
        # Events a subscriber fails on: EventRefusedError.
        self.refused: set[uuid.UUID] = set()
        # Events at which the way to the subscribers (a broker) fails: PublishIncompleteError.
        self.unreachable_at: set[uuid.UUID] = set()
        # Raised as it is, after delivering the first ``lost_after`` records of a call.
        self.crash: Exception | None = None
        self.lost_after = 0
        # Awaited at the start of each call: what happens while a relay is delivering.
        self.while_delivering: Callable[[], Awaitable[None]] | None = None
        self.purged_before: list[datetime] = []

    async def publish(self, records: Sequence[EventRecord]) -> None:
        if self.while_delivering is not None:
            await self.while_delivering()
        for published, record in enumerate(records):
            if self.crash is not None and published == self.lost_after:
                raise self.crash
            if record.event_id in self.refused:
                raise EventRefusedError(published) from RuntimeError("a subscriber failed")
            if record.event_id in self.unreachable_at:
                raise PublishIncompleteError(published) from ConnectionError("broker down")
            self.delivered.append(record)

    async def purge(self, before: datetime) -> int:
        self.purged_before.append(before)
        return 0


class FakeReadDatabase:
    """Answers named queries from canned rows; records what was asked."""

    def __init__(self, rows: Mapping[str, list[dict[str, Any]]] | None = None) -> None:
        self._rows = {name: list(result) for name, result in (rows or {}).items()}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def add_user_row(self, row: dict[str, Any]) -> None:
        self._rows.setdefault("users.get_by_id", []).append(row)

    async def fetch_one(
        self, query: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        rows = await self.fetch_all(query, params)
        return rows[0] if rows else None

    async def fetch_all(
        self, query: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        wanted = dict(params or {})
        self.calls.append((query, wanted))
        return [
            dict(row)
            for row in self._rows.get(query, [])
            if all(str(row.get(key)) == str(value) for key, value in wanted.items())
        ]


@dataclass
class RecordedEvent:
    event: SecurityEvent
    user_id: uuid.UUID | None
    email: str | None
    details: dict[str, Detail]


class RecordingSecurityLog:
    """The security events a handler recorded, in order."""

    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []

    def record(
        self,
        event: SecurityEvent,
        *,
        user_id: uuid.UUID | None = None,
        email: str | None = None,
        **details: Detail,
    ) -> None:
        self.events.append(RecordedEvent(event, user_id, email, details))

    def kinds(self) -> list[SecurityEvent]:
        return [recorded.event for recorded in self.events]
