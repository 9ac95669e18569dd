"""The metrics of every worker process, from PROMETHEUS_MULTIPROC_DIR, minus the dead's gauges.

Counters and histograms of a worker that exited still count (a total never goes
back); its gauges do not: a worker uvicorn replaced holds no connections any more.
So before each collection the live-gauge files of processes that are gone are
removed, which is what prometheus_client's mark_process_dead does for one pid.
"""

import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead


class LiveWorkersCollector:
    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._files = MultiProcessCollector(None, path=str(directory))  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        for pid in self._dead_writers():
            mark_process_dead(pid, str(self._directory))  # type: ignore[no-untyped-call]
        metrics: Iterable[Metric] = self._files.collect()  # type: ignore[no-untyped-call]
        return metrics

    def _dead_writers(self) -> set[int]:
        # A live gauge's file is named gauge_live<mode>_<pid>.db.
        files = self._directory.glob("gauge_live*.db")
        pids = {int(path.stem.rpartition("_")[2]) for path in files}
        return {pid for pid in pids if not _is_running(pid)}


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process, so running
        return True
    return True
