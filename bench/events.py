"""Domain events of a baked service: throughput, and what the outbox adds to a registration.

    cd BAKED_PROJECT && DATABASE_URL=... [REDIS_URL=...] python bench/events.py [--events N]

Run it with the baked project's own Python, in its directory, on a migrated, empty database
(bench/run.sh does all of that). It imports the service and drives its real parts in process:

1. throughput: registers --events users through the command bus (BCRYPT_ROUNDS=4, so the
   hashing is cheap; not timed), then times the relay draining the outbox. Without Redis the
   relay hands each event to the local subscribers; in a use_redis=true bake with REDIS_URL
   set it appends to the stream, and the consumer's batches are timed separately, then both
   side by side on a second set of events.
2. registration (--registration): the unit of work's commit of one new user with its
   UserRegistered, against the same commit with the event cleared first (alternating, so
   drift hits both), and a whole POST /api/v1/auth/register over in-process HTTP at
   BCRYPT_ROUNDS 4 and 12, for the share the outbox row takes of a request.

Each figure is printed with the 1-minute load average next to it. Numbers only: nothing is
asserted, and the subscribers' effect (account_activity rows) is counted, not checked.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

# Before app.main is imported, which builds an app from the settings: fast hashes, no
# rate limit, quiet workers.
os.environ.setdefault("APP_ENV", "local")
os.environ["BCRYPT_ROUNDS"] = "4"
os.environ["REGISTER_RATE_LIMIT_PER_MINUTE"] = "0"
os.environ["LOG_LEVEL"] = "WARNING"

import httpx
from app.application.commands.register_user import RegisterUserCommand
from app.bootstrap import build_container
from app.domain.entities.user import UserEntity
from app.domain.value_objects.email import Email
from app.domain.value_objects.role import Role
from app.infrastructure.clock import SystemClock
from app.infrastructure.config import Settings, load_settings
from app.infrastructure.db.connection import create_engine
from app.infrastructure.db.unit_of_work import SqlUnitOfWork
from app.main import create_app

PASSWORD = "bench password 9f2c"
REGISTRATION_CONCURRENCY = 16
# A consumer that finds nothing for this long while events are missing: give up, loudly.
IDLE_LIMIT_SECONDS = 30.0


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def line(label: str, figure: str) -> None:
    print(f"    {label:<52} {figure:>30}   ({load()})", flush=True)


def new_email() -> str:
    return f"bench-{uuid.uuid4().hex[:16]}@example.com"


async def count(settings: Settings, table: str) -> int:
    engine = create_engine(settings)
    try:
        row = await engine.fetch_one(f"SELECT COUNT(*) AS n FROM {table}")
        return int(row["n"]) if row else 0
    finally:
        await engine.close()


async def register_users(container: Any, total: int) -> None:
    """`total` registrations through the command bus, a few at a time: one event each."""
    left = total
    while left:
        batch = min(left, REGISTRATION_CONCURRENCY)
        await asyncio.gather(
            *(
                container.command_bus.dispatch(RegisterUserCommand(new_email(), PASSWORD))
                for _ in range(batch)
            )
        )
        left -= batch


async def timed(step: Callable[[], Awaitable[int]]) -> tuple[int, float]:
    started = time.perf_counter()
    done = await step()
    return done, time.perf_counter() - started


async def consume_all(consumer: Any, total: int) -> int:
    handled = 0
    idle_since = time.monotonic()
    while handled < total:
        done = await consumer.consume_batch()
        handled += done
        if done:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > IDLE_LIMIT_SECONDS:
            sys.exit(f"the consumer handled {handled} of {total} events, then nothing more")
    return handled


def rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f} events/s ({events} in {seconds:.2f} s)"


async def throughput(settings: Settings, events: int) -> None:
    async with build_container(settings) as container:
        consumer = getattr(container, "event_consumer", None)
        await register_users(container, events)
        if consumer is None:
            published, seconds = await timed(container.relay.drain)
            line("outbox -> relay -> local subscribers", rate(published, seconds))
        else:
            published, relay_seconds = await timed(container.relay.drain)
            line("outbox -> relay -> Redis Stream (XADD)", rate(published, relay_seconds))
            handled, consume_seconds = await timed(lambda: consume_all(consumer, published))
            line("stream -> consumer -> subscribers (XACK)", rate(handled, consume_seconds))
            line("  the two one after the other", rate(handled, relay_seconds + consume_seconds))
            await register_users(container, events)

            async def side_by_side() -> int:
                _, handled = await asyncio.gather(
                    container.relay.drain(), consume_all(consumer, events)
                )
                return handled

            handled, seconds = await timed(side_by_side)
            line("  relay and consumer side by side (one process)", rate(handled, seconds))
    activity = await count(settings, "account_activity")
    processed = await count(settings, "processed_events")
    print(f"    subscriber effects: {activity} account_activity rows, {processed} processed marks")


def micros(samples: list[float]) -> str:
    mean, median = statistics.fmean(samples) * 1e6, statistics.median(samples) * 1e6
    return f"mean {mean:7.0f} µs, median {median:7.0f} µs"


async def commits(settings: Settings, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds per unit-of-work commit of one registration, with and without its event."""
    engine = create_engine(settings)
    clock = SystemClock()
    # A hash's shape; the commit's cost does not depend on what it hashes.
    password_hash = "$2b$04$" + "a" * 53
    with_event: list[float] = []
    without_event: list[float] = []
    try:
        for number in range(rounds * 2 + 200):
            keep_event = number % 2 == 0
            user = UserEntity.register(
                email=Email.parse(new_email()),
                password_hash=password_hash,
                role=Role.USER,
                now=clock.now(),
            )
            if not keep_event:
                user.clear_events()
            started = time.perf_counter()
            async with SqlUnitOfWork(engine) as uow:
                await uow.users.add(user)
            elapsed = time.perf_counter() - started
            if number >= 200:  # the first ones warm the pool and the statement caches
                (with_event if keep_event else without_event).append(elapsed)
    finally:
        await engine.close()
    return with_event, without_event


async def requests(settings: Settings, rounds: int) -> list[float]:
    """Seconds per POST /api/v1/auth/register through the whole app, in process."""
    app = create_app(settings)
    samples: list[float] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for number in range(rounds + 5):
                body = {"email": new_email(), "password": PASSWORD}
                started = time.perf_counter()
                response = await client.post("/api/v1/auth/register", json=body)
                elapsed = time.perf_counter() - started
                if response.status_code != 201:
                    sys.exit(f"registration answered {response.status_code}: {response.text}")
                if number >= 5:
                    samples.append(elapsed)
    return samples


async def registration(settings: Settings, rounds: int) -> None:
    with_event, without_event = await commits(settings, rounds)
    line("commit with its UserRegistered (outbox row)", micros(with_event))
    line("commit with the event cleared first", micros(without_event))
    added = statistics.fmean(with_event) - statistics.fmean(without_event)
    added_median = statistics.median(with_event) - statistics.median(without_event)
    line("added by the outbox row", f"{added * 1e6:.0f} µs (median {added_median * 1e6:.0f} µs)")
    for cost, times in ((4, rounds // 4), (12, max(10, rounds // 100))):
        samples = await requests(settings.model_copy(update={"bcrypt_rounds": cost}), times)
        request = statistics.fmean(samples)
        line(f"POST /api/v1/auth/register, BCRYPT_ROUNDS={cost} ({times}x)", micros(samples))
        line(f"  the outbox row's share of it (cost {cost})", f"{added / request:.2%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--registration", action="store_true", help="also part 2")
    parser.add_argument("--commits", type=int, default=2000, help="commits per arm, part 2")
    args = parser.parse_args()
    settings = load_settings()
    print(
        f"== events through the service ({args.events} events, batches of "
        f"{settings.events_batch_size})"
    )
    asyncio.run(throughput(settings, args.events))
    if args.registration:
        print(f"== the outbox on the registration path ({args.commits} commits per arm)")
        asyncio.run(registration(settings, args.commits))


if __name__ == "__main__":
    main()
