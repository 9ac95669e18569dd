"""Without Redis, two real worker processes count the rate limits each on its own.

What the warning at start says, measured: each worker is made to answer its share
alone (the others paused, see worker_processes.py), and each lets the limit through.
"""

from collections.abc import Iterator

import pytest

from .served_app import ServedApp
from .worker_processes import register_in_turn, serving_workers

WORKERS = 2
LIMIT = 6
# Half a limit per worker in turn, four limits in all.
BATCH = LIMIT // 2
BATCHES = 8
# A loopback address of this module's own: its bucket starts from zero.
CLIENT_ADDRESS = "127.0.0.8"


@pytest.fixture(scope="module")
def two_workers(
    served_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedApp, list[int]]]:
    log_path = tmp_path_factory.mktemp("per-process-limits") / "serve.log"
    with serving_workers(
        served_database_url, log_path, WORKERS, REGISTER_RATE_LIMIT_PER_MINUTE=str(LIMIT)
    ) as served:
        yield served


def test_several_workers_start_with_one_warning_that_limits_count_per_process(
    two_workers: tuple[ServedApp, list[int]],
) -> None:
    app, _ = two_workers
    app.log.seek(0)
    warnings = [line for line in app.log.read().splitlines() if b"count per process" in line]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(b"warning: 2 workers: ")
    assert b"use_redis=true" in warnings[0]


def test_each_of_two_workers_lets_the_limit_through(
    two_workers: tuple[ServedApp, list[int]],
) -> None:
    app, workers = two_workers
    answered = register_in_turn(app, workers, batch=BATCH, batches=BATCHES, client=CLIENT_ADDRESS)

    statuses = {worker: [response.status for response in answered[worker]] for worker in workers}
    for worker in workers:
        assert statuses[worker].count(201) == LIMIT, statuses
        assert statuses[worker].count(429) == len(statuses[worker]) - LIMIT, statuses
