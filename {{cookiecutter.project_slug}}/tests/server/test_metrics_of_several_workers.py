"""With several workers, the metrics port adds up every worker's metrics.

Each worker is made to answer its share alone (the others paused, see
worker_processes.py), so the totals scraped must be the sum of both shares.
"""

import os
import signal
from collections.abc import Iterator

import pytest

from .metrics_scrape import scrape, scrape_until
from .served_app import ServedApp, free_port
from .worker_processes import only, serving_workers, wait_until_every_worker_serves

WORKERS = 2
POOL_SIZE = 3
COUNT = "http_request_duration_seconds_count"
READY = {"method": "GET", "route": "/health/ready", "status": "200"}
HEALTH = {"method": "GET", "route": "/health", "status": "200"}
PRIMARY = {"database": "primary"}


@pytest.fixture(scope="module")
def two_workers(
    served_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedApp, list[int], int]]:
    metrics_port = free_port()
    log_path = tmp_path_factory.mktemp("metrics-workers") / "serve.log"
    with serving_workers(
        served_database_url,
        log_path,
        WORKERS,
        METRICS_PORT=str(metrics_port),
        DATABASE_POOL_SIZE=str(POOL_SIZE),
    ) as (app, workers):
        yield app, workers, metrics_port


def test_the_requests_of_every_worker_add_up(
    two_workers: tuple[ServedApp, list[int], int],
) -> None:
    app, workers, metrics_port = two_workers
    first, second = workers
    before = scrape(metrics_port)

    with only(first, workers):
        for _ in range(3):
            assert app.request("GET", "/health").status == 200
    with only(second, workers):
        for _ in range(5):
            assert app.request("GET", "/health").status == 200

    after = scrape(metrics_port)
    assert after.value(COUNT, **HEALTH) - before.value(COUNT, **HEALTH) == 3 + 5
    # Gauges too: each worker has a pool of its own.
    assert after.value("db_pool_size", **PRIMARY) == WORKERS * POOL_SIZE


def test_a_replaced_worker_keeps_its_counts_and_leaves_the_gauges(
    two_workers: tuple[ServedApp, list[int], int],
) -> None:
    app, workers, metrics_port = two_workers
    doomed = workers[0]
    with only(doomed, workers):
        for _ in range(2):
            assert app.request("GET", "/health/ready").status == 200
    served_before = scrape(metrics_port).value(COUNT, **READY)

    os.kill(doomed, signal.SIGKILL)
    replaced = wait_until_every_worker_serves(app, WORKERS)
    assert doomed not in replaced

    # The dead worker's requests were served; its pool is gone, its successor's counts.
    scraped = scrape_until(
        metrics_port,
        lambda s: s.value("db_pool_size", **PRIMARY) == WORKERS * POOL_SIZE,
        "the pools of the live workers alone were never reported",
    )
    assert scraped.value(COUNT, **READY) == served_before >= 2
