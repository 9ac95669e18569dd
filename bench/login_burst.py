"""/health latency idle vs during a burst of concurrent logins, against a live server.

    python bench/login_burst.py --base-url http://127.0.0.1:8000 --email E --password P

The server should run with BCRYPT_ROUNDS=12 (production cost) and LOGIN_RATE_LIMIT_PER_MINUTE=0.
First, in this process, the ceiling: the time of one bcrypt.checkpw at --bcrypt-rounds on one
thread (the median of --ceiling-repeats), so that the cores this process is given could verify at
most cores / seconds_per_hash logins/s (needs bcrypt: run it with the baked project's Python).
Phase 1 sends --samples sequential GET /health requests on one keep-alive connection (idle).
Phase 2 starts --logins logins from --concurrency concurrent clients and, at the same time,
sends sequential GET /health requests until the burst is over. Prints numbers, each with the
1-minute load average; asserts nothing. A server that verifies bcrypt on the event loop shows a
phase-2 p99 of hundreds of ms. --result-file also writes the headline figures as `key value`
lines, for bench/run.sh's summary.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


async def health_probe(client: httpx.AsyncClient, samples: list[float]) -> None:
    started = time.perf_counter()
    response = await client.get("/health")
    samples.append((time.perf_counter() - started) * 1000)
    response.raise_for_status()


async def idle_phase(base_url: str, count: int) -> list[float]:
    samples: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for _ in range(50):  # warm the connection and the server's code paths
            await client.get("/health")
        for _ in range(count):
            await health_probe(client, samples)
    return samples


async def burst_phase(
    base_url: str, email: str, password: str, logins: int, concurrency: int, min_samples: int
) -> tuple[list[float], list[float], dict[int, int], float]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(logins):
        queue.put_nowait(number)
    login_latencies: list[float] = []
    statuses: dict[int, int] = {}
    health_samples: list[float] = []
    burst_over = asyncio.Event()

    async def login_client() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                response = await client.post(
                    "/api/v1/auth/login", json={"email": email, "password": password}
                )
                login_latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    async def sampler() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            await client.get("/health")  # open the connection before the burst starts
            started.set()
            while not burst_over.is_set():
                await health_probe(client, health_samples)

    started = asyncio.Event()
    probe = asyncio.create_task(sampler())
    await started.wait()
    burst_started = time.perf_counter()
    await asyncio.gather(*(login_client() for _ in range(concurrency)))
    burst_seconds = time.perf_counter() - burst_started
    burst_over.set()
    await probe
    if len(health_samples) < min_samples:
        print(
            f"    note: only {len(health_samples)} /health samples fit in the burst "
            f"(wanted ~{min_samples}); raise --logins for a steadier p99",
            file=sys.stderr,
        )
    return health_samples, login_latencies, statuses, burst_seconds


def load_average() -> str:
    """The machine's 1-minute load average, as /proc/loadavg gives it ("n/a" elsewhere)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "n/a"


def seconds_per_hash(rounds: int, repeats: int) -> float:
    """One bcrypt.checkpw at this cost on this thread: the median of `repeats` timings."""
    import bcrypt  # the baked project's dependency; only this measurement needs it

    password = b"bench-ceiling-password"
    hashed = bcrypt.hashpw(password, bcrypt.gensalt(rounds))
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        if not bcrypt.checkpw(password, hashed):
            raise RuntimeError("bcrypt.checkpw rejected its own hash")
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def describe(samples: list[float]) -> str:
    return (
        f"n={len(samples):5d}  p50={statistics.median(samples):7.2f} ms  "
        f"p99={percentile(samples, 99):7.2f} ms  max={max(samples):7.2f} ms"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--samples", type=int, default=500, help="idle /health requests")
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--bcrypt-rounds", type=int, default=12, help="cost of the ceiling")
    parser.add_argument("--ceiling-repeats", type=int, default=5)
    parser.add_argument("--result-file", type=Path, help="also write `key value` lines here")
    args = parser.parse_args()

    hash_seconds = seconds_per_hash(args.bcrypt_rounds, args.ceiling_repeats)
    hash_load = load_average()
    cores = len(os.sched_getaffinity(0))
    ceiling = cores / hash_seconds
    print(
        f"    bcrypt.checkpw, cost {args.bcrypt_rounds}, one thread, in process: "
        f"{hash_seconds * 1000:.0f} ms (median of {args.ceiling_repeats})  load {hash_load}"
    )

    idle = await idle_phase(args.base_url, args.samples)
    idle_load = load_average()
    during, login_ms, statuses, seconds = await burst_phase(
        args.base_url, args.email, args.password, args.logins, args.concurrency, args.samples
    )
    burst_load = load_average()
    print(f"    /health idle          : {describe(idle)}  load {idle_load}")
    print(f"    /health during burst  : {describe(during)}  load {burst_load}")
    print(
        f"    /health p99 idle vs burst: {percentile(idle, 99):.2f} ms vs "
        f"{percentile(during, 99):.2f} ms ({percentile(during, 99) / percentile(idle, 99):.1f}x)"
    )
    ok = statuses.get(200, 0)
    throughput = ok / seconds
    print(
        f"    logins: {args.logins} from {args.concurrency} clients in {seconds:.2f} s = "
        f"{throughput:.2f} successful logins/s; statuses {dict(sorted(statuses.items()))}; "
        f"login latency p50={statistics.median(login_ms):.0f} ms "
        f"p99={percentile(login_ms, 99):.0f} ms  load {burst_load}"
    )
    print(
        f"    cores given: {cores}; ceiling {cores} / {hash_seconds:.3f} s = {ceiling:.2f} "
        f"logins/s; measured / ceiling = {throughput / ceiling:.2f}"
    )
    if ok != args.logins:
        print(f"    !!! only {ok} of {args.logins} logins answered 200", file=sys.stderr)
    if args.result_file is not None:
        results = {
            "logins": args.logins,
            "concurrency": args.concurrency,
            "ok": ok,
            "seconds": f"{seconds:.3f}",
            "logins_per_s": f"{throughput:.3f}",
            "health_p99_idle_ms": f"{percentile(idle, 99):.3f}",
            "health_p99_burst_ms": f"{percentile(during, 99):.3f}",
            "seconds_per_hash": f"{hash_seconds:.4f}",
            "cores": cores,
            "ceiling_per_s": f"{ceiling:.3f}",
            "ratio": f"{throughput / ceiling:.3f}",
            "load": burst_load,
        }
        args.result_file.write_text("".join(f"{key} {value}\n" for key, value in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
