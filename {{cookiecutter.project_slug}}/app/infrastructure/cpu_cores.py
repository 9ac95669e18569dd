"""How many cores this process is given: what its hashing threads can use at once.

The CPU count is the host's. A process pinned to some of its cores (taskset, a cpuset)
or held to a CPU quota (a container's --cpus, a Kubernetes limit: cgroup v2's cpu.max)
gets fewer, and more hashing threads than that only queue behind each other.
"""

import math
import os
from pathlib import Path

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def cores_given(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """The cores this process may run on, rounded up to whole ones under a quota; at least 1."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # macOS, Windows: no affinity to read
        cores = os.cpu_count() or 1
    quota = _quota(cpu_max)
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)


def _quota(cpu_max: Path) -> float | None:
    """cpu.max reads "<quota> <period>" in microseconds, or "max <period>" for none."""
    try:
        quota, period = cpu_max.read_text().split()
        return int(quota) / int(period)
    except (OSError, ValueError):  # no cgroup v2 here, "max", or something unexpected
        return None
