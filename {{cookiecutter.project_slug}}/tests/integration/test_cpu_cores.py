"""BCRYPT_MAX_CONCURRENCY's default: the cores the process is given, read from the real
affinity mask of real processes and from cgroup v2 cpu.max files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.infrastructure.config import Settings
from app.infrastructure.cpu_cores import cores_given

AFFINITY = len(os.sched_getaffinity(0))
NO_CGROUP = Path("/nonexistent/cpu.max")


def _cpu_max(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cpu.max"
    path.write_text(text)
    return path


def test_the_default_is_every_core_the_process_may_run_on() -> None:
    """Not one fewer: a hash per core is what the cores can do."""
    assert Settings().bcrypt_max_concurrency == cores_given()
    assert cores_given(NO_CGROUP) == AFFINITY


def test_a_process_pinned_to_one_core_hashes_on_one_thread() -> None:
    probe = "from app.infrastructure.config import Settings as S; print(S().bcrypt_max_concurrency)"
    pinned = subprocess.run(
        [sys.executable, "-c", probe],
        preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert pinned.stdout.strip() == "1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50000 100000\n", 1),  # half a core: still one thread
        ("100000 100000\n", 1),
        ("150000 100000\n", min(AFFINITY, 2)),  # 1.5 cores round up
        (f"{100000 * (AFFINITY + 4)} 100000\n", AFFINITY),  # a quota above the cores
        ("max 100000\n", AFFINITY),  # no quota
        ("", AFFINITY),
        ("garbage\n", AFFINITY),
    ],
)
def test_a_cgroup_cpu_quota_caps_the_cores(tmp_path: Path, text: str, expected: int) -> None:
    assert cores_given(_cpu_max(tmp_path, text)) == expected


def test_an_unreadable_cpu_max_falls_back_to_the_affinity(tmp_path: Path) -> None:
    assert cores_given(tmp_path) == AFFINITY  # a directory: reading it fails
