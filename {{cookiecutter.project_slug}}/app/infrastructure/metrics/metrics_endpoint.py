"""The port Prometheus scrapes: METRICS_HOST:METRICS_PORT, a server of its own beside the API's.

It runs in the process `python -m app serve` starts, on a thread. When that process
is a supervisor (several workers, or --reload), the workers are other processes:
each writes its values to files in a directory made for this run
(PROMETHEUS_MULTIPROC_DIR, set before any worker starts), which the endpoint adds
up at every scrape. With one worker it serves that process's own registry.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from app.infrastructure.config import ConfigurationError, Settings
from app.infrastructure.metrics.live_workers_collector import LiveWorkersCollector

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_endpoint(settings: Settings, *, several_processes: bool) -> Iterator[None]:
    """Serve the metrics while the block runs (nothing when METRICS_PORT is 0)."""
    if settings.metrics_port == 0:
        yield
        return
    with contextlib.ExitStack() as cleanup:
        registry = REGISTRY
        if several_processes:
            directory = Path(tempfile.mkdtemp(prefix="metrics-"))
            cleanup.callback(shutil.rmtree, directory, ignore_errors=True)
            # Inherited by the workers, which read it when they import prometheus_client.
            os.environ[MULTIPROCESS_DIRECTORY] = str(directory)
            cleanup.callback(os.environ.pop, MULTIPROCESS_DIRECTORY, None)
            registry = CollectorRegistry()
            registry.register(LiveWorkersCollector(directory))
        try:
            server, thread = start_http_server(
                settings.metrics_port, settings.metrics_host, registry
            )
        except OSError as error:
            raise ConfigurationError(
                f"METRICS_PORT {settings.metrics_port} on METRICS_HOST {settings.metrics_host}"
                f" cannot be served: {error.strerror or error}"
            ) from None
        cleanup.callback(thread.join)
        cleanup.callback(server.server_close)
        cleanup.callback(server.shutdown)
        yield
