"""`python -m tests.mutation report`: the score of each module after `run`.

A mutant counts as killed when a test failed or timed out on it. The mutants that
equivalent_mutants.py sets aside (no test could tell them from the original, or they
run before mutmut switches a mutant on) are not counted, and the score is killed /
(mutants - set aside). An entry that matches no mutant, or matches one a test kills now,
makes the list stale: the report says so and `--check` fails, as it does when a score
is below its target.
"""

import fnmatch
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click
from mutmut.mutation.data import SourceFileMutationData
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

from .equivalent_mutants import EQUIVALENT_MUTANTS

KILLED = frozenset({"killed", "timeout"})
# The modules where a surviving mutant is a hole in authentication or authorization.
SECURITY_CRITICAL = (
    "app/infrastructure/security/*",
    "app/infrastructure/db/repositories/*",
    "app/interfaces/pipeline/stages/*",
    "app/application/handlers/commands/login_user_handler.py",
    "app/application/handlers/commands/logout_user_handler.py",
    "app/application/handlers/commands/refresh_token_handler.py",
    "app/application/handlers/commands/register_user_handler.py",
    "app/application/handlers/commands/change_password_handler.py",
    "app/application/services/token_service.py",
    "app/application/services/requester.py",
    "app/domain/value_objects/email.py",
    "app/domain/value_objects/password.py",
)
SECURITY_CRITICAL_TARGET = 95.0
OVERALL_TARGET = 90.0


@dataclass
class Tally:
    mutants: int = 0
    killed: int = 0
    aside: int = 0
    not_killed: list[str] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        self.mutants += other.mutants
        self.killed += other.killed
        self.aside += other.aside
        self.not_killed += other.not_killed

    @property
    def score(self) -> float:
        counted = self.mutants - self.aside
        return 100.0 if counted == 0 else 100.0 * self.killed / counted


def set_aside(name: str) -> str | None:
    """The entry of equivalent_mutants.py that covers the mutant, if one does."""
    return next((key for key in EQUIVALENT_MUTANTS if fnmatch.fnmatchcase(name, key)), None)


def tally_file(path: Path, stale: set[str]) -> Tally:
    data = SourceFileMutationData(path=path)
    data.load()
    tally = Tally()
    for name, exit_code in data.exit_code_by_key.items():
        status = status_by_exit_code[exit_code]
        if status == "not checked":
            raise click.ClickException(f"{name} was not run: `python -m tests.mutation run` first")
        tally.mutants += 1
        entry = set_aside(name)
        if entry is not None:
            stale.discard(entry)
            if status in KILLED:
                stale.add(f"{entry} ({name} is killed now)")
            tally.aside += 1
        elif status in KILLED:
            tally.killed += 1
        else:
            tally.not_killed.append(f"{name}: {status}")
    return tally


def _row(label: str, tally: Tally) -> str:
    return (
        f"{label:<64} {tally.mutants:>5} {tally.killed:>6} {tally.aside:>5}"
        f" {len(tally.not_killed):>5} {tally.score:>6.1f}%"
    )


@click.command()
@click.option("--check", is_flag=True, help="Fail below a target or with a stale list.")
def report(*, check: bool) -> None:
    stale = set(EQUIVALENT_MUTANTS)
    critical, overall = Tally(), Tally()
    print(f"{'module':<64} {'mut':>5} {'killed':>6} {'aside':>5} {'left':>5} {'score':>7}")
    for path in sorted(walk_mutatable_files()):
        tally = tally_file(path, stale)
        if tally.mutants == 0:
            continue
        print(_row(str(path), tally))
        overall.add(tally)
        if any(fnmatch.fnmatch(str(path), pattern) for pattern in SECURITY_CRITICAL):
            critical.add(tally)
    print(_row(f"security-critical (target {SECURITY_CRITICAL_TARGET:.0f}%)", critical))
    print(_row(f"overall (target {OVERALL_TARGET:.0f}%)", overall))
    for line in overall.not_killed:
        print(f"  not killed: {line}")
    for name in sorted(stale):
        print(f"  stale entry of equivalent_mutants.py: {name}")
    below = critical.score < SECURITY_CRITICAL_TARGET or overall.score < OVERALL_TARGET
    if check and (below or stale):
        sys.exit(1)
