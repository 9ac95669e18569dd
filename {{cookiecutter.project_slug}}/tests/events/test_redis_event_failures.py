"""Events through Redis Streams survive real crashes: processes killed with SIGKILL.

Real `relay-events` and `consume-events` processes, the real database and a real
redis-server; tests/redis_fault_proxy.py stops a process exactly where the test
kills it. In each test every event produced is handled, and handled once: one
account_activity row and one processed-event mark per event, in each account's order,
except an entry no subscriber can ever handle: that one goes to the dead-letter stream.
"""

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
import redis
import redis_server
from redis_fault_proxy import fault_proxy
from row_query import Engine
from server.served_app import ServedApp, read_response, send_request, wait_until_serving
from server.served_app import start as start_serving
from server.served_app import stop as stop_serving

from app.domain.entities.user import UserEntity
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.infrastructure.config import Settings
from app.infrastructure.db.connection import create_engine, load_sql_registry
from app.infrastructure.db.database_url import parse_database_url
from app.infrastructure.db.unit_of_work import SqlUnitOfWork

from .worker_process import WorkerProcess, start_worker, wait_for

GROUP = "failure-tests"
USERS = 3
# Generous: a loaded machine may take seconds to start a process. Only a hang hits it.
WITHIN = 30.0
# Far longer than any test: a process held at the proxy waits there until it is killed.
HELD_TIMEOUT = "60"


@pytest.fixture
def stream() -> str:
    return f"failure-tests:{uuid.uuid4().hex}"


def fast(redis_url: str, stream: str, **overrides: str) -> dict[str, str]:
    """Worker settings that make each test's waits short: polls, leases, retries, and the
    idle time after which a consumer's entries are taken over (above the longest a
    subscriber and a retry wait may take, as the settings require)."""
    return {
        "REDIS_URL": redis_url,
        "EVENTS_STREAM": stream,
        "EVENTS_CONSUMER_GROUP": GROUP,
        "EVENTS_POLL_SECONDS": "0.1",
        "EVENTS_CLAIM_SECONDS": "1",
        "EVENTS_RETRY_MAX_SECONDS": "0.3",
        "EVENTS_SUBSCRIBER_TIMEOUT_SECONDS": "0.5",
        "EVENTS_CLAIM_IDLE_SECONDS": "1",
        "REDIS_TIMEOUT_SECONDS": "1",
        **overrides,
    }


@pytest.fixture
def db(database_url: str) -> Iterator[Any]:
    """The test's own look at the database, while the workers write to it."""
    engine = Engine.from_config(parse_database_url(database_url, pool_size=1), load_sql_registry())
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture
def admin(redis_url: str) -> Iterator[redis.Redis]:
    with redis_server.admin_client(redis_url) as client:
        yield client


def produce_events(settings: Settings, db: Any, users: int = USERS) -> list[str]:
    """Register `users` accounts, then change each one's password: the event ids, in order."""

    async def produce() -> None:
        engine = create_engine(settings)
        try:
            registered = []
            for number in range(users):
                user = UserEntity.register(
                    email=Email.parse(f"user-{number}@example.com"),
                    password_hash="a hash",
                    role=Role.USER,
                    now=datetime.now(UTC),
                )
                async with SqlUnitOfWork(engine) as uow:
                    await uow.users.add(user)
                registered.append(user)
            for user in registered:
                async with SqlUnitOfWork(engine) as uow:
                    loaded = await uow.users.get_for_update(user.id_)
                    assert loaded is not None
                    loaded.change_password_hash("another hash", now=datetime.now(UTC))
                    await uow.users.update_password(loaded)
        finally:
            await engine.close()

    asyncio.run(produce())
    return column(db, "SELECT event_id FROM outbox ORDER BY position")


def column(engine: Any, query: str) -> list[str]:
    # uuids come back as UUID from PostgreSQL and as text from SQLite.
    return [str(next(iter(row.values()))) for row in engine.fetch_all(query)]


def unpublished(db: Any) -> int:
    return int(db.fetch_scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL"))


def activity_rows(db: Any) -> int:
    return int(db.fetch_scalar("SELECT COUNT(*) FROM account_activity"))


def assert_each_handled_once(db: Any, produced: list[str]) -> None:
    """No gap, no double effect, each account's history in the order it happened."""
    assert len(produced) == len(set(produced))
    handled = column(db, "SELECT event_id FROM account_activity")
    assert Counter(handled) == Counter(produced)
    marks = db.fetch_all("SELECT event_id, subscriber FROM processed_events")
    assert Counter(str(mark["event_id"]) for mark in marks) == Counter(produced)
    histories: dict[str, list[str]] = {}
    for row in db.fetch_all("SELECT user_id, activity FROM account_activity ORDER BY id"):
        histories.setdefault(str(row["user_id"]), []).append(row["activity"])
    assert set(map(tuple, histories.values())) == {("registered", "password_changed")}


def stream_event_ids(admin: redis.Redis, stream: str) -> list[str]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], admin.xrange(stream))
    return [fields[b"event_id"].decode() for _, fields in entries]


def pending(admin: redis.Redis, stream: str) -> int:
    return int(admin.xpending(stream, GROUP)["pending"])


def idle_for_over(admin: redis.Redis, stream: str, seconds: float) -> int:
    """How many pending entries nobody was given for more than `seconds`."""
    idle = admin.xpending_range(stream, GROUP, "-", "+", 1000, idle=int(seconds * 1000) + 1)
    return len(idle)


class Workers:
    """The test's worker processes; any still running when it ends is killed."""

    def __init__(self, database_url: str, log_dir: Path) -> None:
        self._database_url = database_url
        self._log_dir = log_dir
        self._started: list[WorkerProcess] = []

    def start(self, command: str, log: str, *args: str, **settings: str) -> WorkerProcess:
        worker = start_worker(command, self._database_url, self._log_dir / log, *args, **settings)
        self._started.append(worker)
        return worker

    def run(self, command: str, log: str, **settings: str) -> str:
        """`command --once`, to its end: what it printed."""
        worker = self.start(command, log, "--once", **settings)
        assert worker.wait() == 0, worker.output()
        return worker.output()

    def kill_survivors(self) -> None:
        for worker in self._started:
            if worker.process.poll() is None:
                worker.kill()


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(database_url, tmp_path)
    try:
        yield started
    finally:
        started.kill_survivors()


def test_a_relay_killed_between_xadd_and_marking_publishes_again_each_handled_once(
    settings: Settings,
    redis_url: str,
    stream: str,
    db: Any,
    admin: redis.Redis,
    workers: Workers,
) -> None:
    produced = produce_events(settings, db)
    # Each account's password change waits until its registration is published.
    first_batch = produced[:USERS]
    with fault_proxy(redis_url) as proxy:
        proxy.withhold_replies_after(b"XADD")
        relay = workers.start(
            "relay-events",
            "relay-killed.log",
            **fast(proxy.url, stream, REDIS_TIMEOUT_SECONDS=HELD_TIMEOUT),
        )
        wait_for(lambda: admin.xlen(stream) == len(first_batch), "the XADDs ran", WITHIN, relay)
        relay.kill()
    # In the stream, but the relay died before it could mark a single row published.
    assert stream_event_ids(admin, stream) == first_batch
    assert unpublished(db) == len(produced)

    # Once the dead relay's claim ran out (EVENTS_CLAIM_SECONDS), another publishes again.
    relay = workers.start("relay-events", "relay.log", **fast(redis_url, stream))
    wait_for(lambda: unpublished(db) == 0, "the events were published again", WITHIN, relay)
    assert relay.stop() == 0
    assert stream_event_ids(admin, stream) == first_batch + produced

    printed = workers.run("consume-events", "consumer.log", **fast(redis_url, stream))

    assert f"Handled {len(first_batch) + len(produced)} event(s)" in printed
    assert_each_handled_once(db, produced)
    assert pending(admin, stream) == 0


def test_a_consumer_killed_before_xack_is_taken_over_and_each_handled_once(
    settings: Settings,
    redis_url: str,
    stream: str,
    db: Any,
    admin: redis.Redis,
    workers: Workers,
) -> None:
    produced = produce_events(settings, db)
    kill_a_consumer_before_xack(redis_url, stream, db, admin, workers, produced, "killed")

    # Once what the dead consumer held has been idle EVENTS_CLAIM_IDLE_SECONDS, another
    # consumer takes it over.
    wait_for(
        lambda: idle_for_over(admin, stream, 1.0) == len(produced),
        "the entries were idle for EVENTS_CLAIM_IDLE_SECONDS",
        WITHIN,
    )
    printed = workers.run(
        "consume-events", "consumer.log", **fast(redis_url, stream, EVENTS_CONSUMER_NAME="other")
    )

    assert f"Handled {len(produced)} event(s)" in printed
    assert_each_handled_once(db, produced)
    assert pending(admin, stream) == 0


def kill_a_consumer_before_xack(
    redis_url: str,
    stream: str,
    db: Any,
    admin: redis.Redis,
    workers: Workers,
    produced: list[str],
    name: str,
) -> None:
    """Publish the events, then kill consumer `name` once it handled them, before XACK."""
    workers.run("relay-events", "relay.log", **fast(redis_url, stream))
    with fault_proxy(redis_url) as proxy:
        proxy.hold_back(b"XACK")
        consumer = workers.start(
            "consume-events",
            "consumer-killed.log",
            **fast(
                proxy.url, stream, REDIS_TIMEOUT_SECONDS=HELD_TIMEOUT, EVENTS_CONSUMER_NAME=name
            ),
        )
        # The subscriber committed every effect, and the acknowledgement is on its way.
        wait_for(proxy.triggered.is_set, "the consumer sent its XACK", WITHIN, consumer)
        assert activity_rows(db) == len(produced)
        consumer.kill()
    assert pending(admin, stream) == len(produced)


def test_a_consumer_restarted_under_its_name_handles_what_it_held_at_once(
    settings: Settings,
    redis_url: str,
    stream: str,
    db: Any,
    admin: redis.Redis,
    workers: Workers,
) -> None:
    produced = produce_events(settings, db)
    # No name set: the host's, the same for the restarted process.
    kill_a_consumer_before_xack(redis_url, stream, db, admin, workers, produced, "")

    # Long before its entries could be taken over (EVENTS_CLAIM_IDLE_SECONDS): they are
    # its own, and come before anything new.
    printed = workers.run(
        "consume-events", "consumer.log", **fast(redis_url, stream, EVENTS_CLAIM_IDLE_SECONDS="600")
    )

    assert f"Handled {len(produced)} event(s)" in printed
    assert_each_handled_once(db, produced)
    assert pending(admin, stream) == 0


def test_an_event_no_subscriber_can_handle_moves_to_the_dead_letter_stream_the_rest_arrive(
    settings: Settings,
    redis_url: str,
    stream: str,
    db: Any,
    admin: redis.Redis,
    workers: Workers,
) -> None:
    # A password change of an account that does not exist: its account_activity row
    # breaks the foreign key to users, every time.
    nobody = {
        "event_id": str(uuid.uuid4()),
        "type": "UserPasswordChanged",
        "version": "1",
        "aggregate_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": "{}",
    }
    admin.xadd(stream, cast(dict[Any, Any], nobody))
    produced = produce_events(settings, db)
    workers.run("relay-events", "relay.log", **fast(redis_url, stream))
    dead_letter_stream = f"{stream}:dead"

    # Time enough for the subscribers on a loaded machine: only that entry may fail.
    patient = {
        "EVENTS_SUBSCRIBER_TIMEOUT_SECONDS": "10",
        "EVENTS_CLAIM_SECONDS": "20",
        "EVENTS_CLAIM_IDLE_SECONDS": "20",
    }
    consumer = workers.start(
        "consume-events",
        "consumer.log",
        **fast(redis_url, stream, EVENTS_MAX_DELIVERIES="3", **patient),
    )
    wait_for(
        lambda: activity_rows(db) == len(produced),
        "the events behind it arrived",
        WITHIN,
        consumer,
    )
    assert consumer.stop() == 0

    assert_each_handled_once(db, produced)
    assert pending(admin, stream) == 0
    [(_, letter)] = cast(list[tuple[bytes, dict[bytes, bytes]]], admin.xrange(dead_letter_stream))
    fields = {name.decode(): value.decode() for name, value in letter.items()}
    reason, failed_at = fields.pop("reason"), fields.pop("failed_at")
    assert fields == nobody
    assert reason.startswith("record_account_activity.record_password_change: IntegrityError")
    assert datetime.fromisoformat(failed_at) >= datetime.fromisoformat(nobody["occurred_at"])
    output = consumer.output()
    assert output.count("failed in delivery") == 2
    assert f"(event {nobody['event_id']}) of {stream} to {dead_letter_stream} after 3" in output


def register(app: ServedApp, email: str) -> int:
    body = json.dumps({"email": email, "password": "a fine passphrase"}).encode()
    with app.connect() as sock:
        send_request(
            sock, "POST", "/api/v1/auth/register", {"Content-Type": "application/json"}, body
        )
        return read_response(sock).status


@pytest.fixture
def own_server() -> Iterator[list[redis_server.RedisServer]]:
    """A redis-server to stop and start again; the list holds the one running now."""
    try:
        server = redis_server.start_server()
    except redis_server.RedisServerUnavailableError as error:
        redis_server.no_redis(f"no redis-server to stop: {error}")
    current = [server]
    try:
        yield current
    finally:
        redis_server.remove_server(current[0])


def test_while_redis_is_down_the_api_answers_the_outbox_grows_and_every_event_arrives_once(
    database_url: str,
    stream: str,
    db: Any,
    workers: Workers,
    own_server: list[redis_server.RedisServer],
    tmp_path: Path,
) -> None:
    url = own_server[0].url
    with (tmp_path / "serve.log").open("w+b") as serve_log:
        # Registration needs no Redis then: only the events do.
        app = start_serving(
            database_url, serve_log, REDIS_URL=url, REGISTER_RATE_LIMIT_PER_MINUTE="0"
        )
        try:
            relay = workers.start("relay-events", "relay.log", **fast(url, stream))
            consumer = workers.start("consume-events", "consumer.log", **fast(url, stream))
            wait_until_serving(app)
            assert [register(app, f"before-{n}@example.com") for n in range(2)] == [201, 201]
            wait_for(
                lambda: activity_rows(db) == 2, "the first events arrived", WITHIN, relay, consumer
            )

            redis_server.stop_process(own_server[0])
            answers = [register(app, f"during-{n}@example.com") for n in range(USERS)]
            assert answers == [201] * USERS
            assert app.request("GET", "/health").status == 200
            wait_for(
                lambda: "relay-events failed (3 in a row)" in relay.output(),
                "the relay retried",
                WITHIN,
                relay,
                consumer,
            )
            assert unpublished(db) == USERS
            # Each retry waits twice as long as the one before, up to EVENTS_RETRY_MAX_SECONDS.
            assert "failed (1 in a row), retrying in 0.1 s" in relay.output()
            assert "failed (2 in a row), retrying in 0.2 s" in relay.output()
            assert "failed (3 in a row), retrying in 0.3 s" in relay.output()

            # Back on the same port, and empty: it kept nothing on disk.
            own_server[0] = redis_server.restart(own_server[0])
            wait_for(
                lambda: unpublished(db) == 0 and activity_rows(db) == 2 + USERS,
                "every event arrived",
                WITHIN,
                relay,
                consumer,
            )
            assert [relay.stop(), consumer.stop()] == [0, 0]
        finally:
            stop_serving(app)

    produced = column(db, "SELECT event_id FROM outbox ORDER BY position")
    assert len(produced) == 2 + USERS
    assert Counter(column(db, "SELECT event_id FROM account_activity")) == Counter(produced)
    assert Counter(column(db, "SELECT event_id FROM processed_events")) == Counter(produced)
