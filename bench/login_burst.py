"""/health latency idle vs during a burst of concurrent logins, against a live server.

    python bench/login_burst.py --base-url http://127.0.0.1:8000 --email E --password P

The server should run with BCRYPT_ROUNDS=12 (production cost) and LOGIN_RATE_LIMIT_PER_MINUTE=0.
Phase 1 sends --samples sequential GET /health requests on one keep-alive connection (idle).
Phase 2 starts --logins logins from --concurrency concurrent clients and, at the same time,
sends sequential GET /health requests until the burst is over. Prints numbers; asserts nothing.
A server that verifies bcrypt on the event loop shows a phase-2 p99 of hundreds of ms.
"""

import argparse
import asyncio
import statistics
import sys
import time

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
    args = parser.parse_args()

    idle = await idle_phase(args.base_url, args.samples)
    during, login_ms, statuses, seconds = await burst_phase(
        args.base_url, args.email, args.password, args.logins, args.concurrency, args.samples
    )
    print(f"    /health idle          : {describe(idle)}")
    print(f"    /health during burst  : {describe(during)}")
    print(
        f"    /health p99 idle vs burst: {percentile(idle, 99):.2f} ms vs "
        f"{percentile(during, 99):.2f} ms ({percentile(during, 99) / percentile(idle, 99):.1f}x)"
    )
    ok = statuses.get(200, 0)
    print(
        f"    logins: {args.logins} from {args.concurrency} clients in {seconds:.2f} s = "
        f"{ok / seconds:.2f} successful logins/s; statuses {dict(sorted(statuses.items()))}; "
        f"login latency p50={statistics.median(login_ms):.0f} ms "
        f"p99={percentile(login_ms, 99):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
