"""Two real worker processes share one rate-limit count, kept in a real redis-server.

Each worker is made to answer its share on its own (the others paused, see
worker_processes.py): with counters per process, each would let the limit through.
"""

from collections.abc import Iterator

import pytest

from .served_app import ServedApp
from .worker_processes import register_in_turn, serving_workers, wait_until_every_worker_serves

WORKERS = 2
LIMIT = 6
# Half a limit per worker in turn, four limits in all.
BATCH = LIMIT // 2
BATCHES = 8
# A loopback address of this module's own: its bucket starts from zero.
CLIENT_ADDRESS = "127.0.0.7"


@pytest.fixture(scope="module")
def two_workers(
    served_database_url: str, redis_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedApp, list[int]]]:
    log_path = tmp_path_factory.mktemp("shared-limits") / "serve.log"
    with serving_workers(
        served_database_url,
        log_path,
        WORKERS,
        REDIS_URL=redis_server_url,
        REGISTER_RATE_LIMIT_PER_MINUTE=str(LIMIT),
    ) as served:
        yield served


def test_two_workers_let_the_limit_through_once_in_total(
    two_workers: tuple[ServedApp, list[int]],
) -> None:
    app, workers = two_workers
    answered = register_in_turn(app, workers, batch=BATCH, batches=BATCHES, client=CLIENT_ADDRESS)

    statuses = {worker: [response.status for response in answered[worker]] for worker in workers}
    every = [response for worker in workers for response in answered[worker]]
    assert sorted({response.status for response in every}) == [201, 429], statuses
    assert [response.status for response in every].count(201) == LIMIT, statuses
    # Both let requests through, and stopped when the count both add to reached the limit.
    assert all(201 in statuses[worker] for worker in workers), statuses
    refused = [response for response in every if response.status == 429]
    assert len(refused) == BATCHES * BATCH - LIMIT
    for response in refused:
        assert 1 <= int(response.headers["retry-after"]) <= 60, response.headers
    # The same two processes answered throughout: none was replaced meanwhile.
    assert wait_until_every_worker_serves(app, WORKERS) == workers


def test_several_workers_sharing_redis_start_without_a_warning(
    two_workers: tuple[ServedApp, list[int]],
) -> None:
    app, _ = two_workers
    app.log.seek(0)
    assert b"count per process" not in app.log.read()
