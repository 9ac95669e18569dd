"""Finish a freshly baked project: prune, write .env, print next steps.

What each variant drops is data (``PRUNING_TABLE``), not code: adding a
variant-specific file means adding one row. Only the ``__main__`` block at the
bottom is touched by Jinja; the rest is plain Python that the template tests import.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

Answers = Mapping[str, object]


@dataclass(frozen=True)
class KeepOnlyIf:
    """Keep ``path`` (relative to the project root) only when ``question`` was answered ``value``."""

    path: str
    question: str
    value: str

    def prunes(self, answers: Answers) -> bool:
        return str(answers.get(self.question)) != self.value


# Every variant-specific file or directory of the template, and the answer it needs.
# tests/test_generation.py checks that each path exists in the template source, so a
# stale row fails the template tests instead of silently pruning nothing.
PRUNING_TABLE: tuple[KeepOnlyIf, ...] = (
    KeepOnlyIf("Dockerfile", "use_docker", "true"),
    KeepOnlyIf(".dockerignore", "use_docker", "true"),
    KeepOnlyIf("docker-compose.yml", "use_docker", "true"),
    KeepOnlyIf("docker-compose.dev.yml", "use_docker", "true"),
    KeepOnlyIf("docker-compose.stage.yml", "use_docker", "true"),
    KeepOnlyIf("docker-compose.prod.yml", "use_docker", "true"),
    KeepOnlyIf("docker", "use_docker", "true"),
    KeepOnlyIf("app/infrastructure/db/sqlite_connection.py", "db_driver", "sqlite"),
    KeepOnlyIf("app/infrastructure/db/sqlite_database_file.py", "db_driver", "sqlite"),
    KeepOnlyIf("app/infrastructure/db/postgresql_connection.py", "db_driver", "postgresql"),
    KeepOnlyIf("app/infrastructure/db/retrying_reader.py", "db_driver", "postgresql"),
    KeepOnlyIf("app/infrastructure/db/sql_replica_probe.py", "db_driver", "postgresql"),
    KeepOnlyIf("app/infrastructure/sql/health/in_recovery.sql", "db_driver", "postgresql"),
    KeepOnlyIf("tests/postgres_server.py", "db_driver", "postgresql"),
    KeepOnlyIf("tests/postgres_replica.py", "db_driver", "postgresql"),
    KeepOnlyIf("tests/contract/test_read_replica.py", "db_driver", "postgresql"),
    KeepOnlyIf("tests/contract/test_postgresql_faults.py", "db_driver", "postgresql"),
    KeepOnlyIf("tests/contract/test_sqlite_lock_wait.py", "db_driver", "sqlite"),
    KeepOnlyIf("tests/contract/test_sqlite_file_faults.py", "db_driver", "sqlite"),
    KeepOnlyIf("app/infrastructure/redis", "use_redis", "true"),
    KeepOnlyIf("app/application/ports/event_consumer.py", "use_redis", "true"),
    KeepOnlyIf("tests/redis_server.py", "use_redis", "true"),
    KeepOnlyIf("tests/integration/test_redis_throttle_store.py", "use_redis", "true"),
    KeepOnlyIf("tests/integration/test_redis_settings.py", "use_redis", "true"),
    KeepOnlyIf("tests/integration/test_redis_event_stream.py", "use_redis", "true"),
    KeepOnlyIf("tests/redis_fault_proxy.py", "use_redis", "true"),
    KeepOnlyIf("tests/events/test_redis_event_failures.py", "use_redis", "true"),
    KeepOnlyIf("tests/contract/test_redis_outage.py", "use_redis", "true"),
    KeepOnlyIf("tests/contract/test_redis_shared_counters.py", "use_redis", "true"),
    KeepOnlyIf("tests/server/test_shared_rate_limits.py", "use_redis", "true"),
    KeepOnlyIf("tests/server/test_per_process_rate_limits.py", "use_redis", "false"),
)

SECRET_KEY_VARIABLE = "JWT_SECRET_KEY"
_SECRET_LINE = re.compile(rf"^\s*(export\s+)?{SECRET_KEY_VARIABLE}\s*=.*$", re.MULTILINE)
GITIGNORE_ENTRY = ".env"


def paths_to_prune(answers: Answers, table: Iterable[KeepOnlyIf] = PRUNING_TABLE) -> list[str]:
    return [row.path for row in table if row.prunes(answers)]


def prune(project_dir: Path, paths: Iterable[str]) -> list[Path]:
    """Delete ``paths`` and any directory that removing them left empty.

    A path that is absent is skipped rather than fatal: the template tests guard
    the table against stale rows, and a user's bake should not fail over it.
    """
    removed: list[Path] = []
    for relative in paths:
        target = project_dir / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        else:
            continue
        removed.append(target)
        _remove_empty_parents(target.parent, stop_at=project_dir)
    return removed


def _remove_empty_parents(directory: Path, stop_at: Path) -> None:
    while directory != stop_at and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def render_env(example: str, secret: str) -> str:
    """Return the text of .env: the example with its secret replaced (or appended)."""
    line = f"{SECRET_KEY_VARIABLE}={secret}"
    if _SECRET_LINE.search(example):
        # A function replacement keeps a secret containing backslashes literal.
        return _SECRET_LINE.sub(lambda _match: line, example, count=1)
    separator = "" if not example or example.endswith("\n") else "\n"
    return f"{example}{separator}{line}\n"


def write_env(project_dir: Path, secret: str | None = None) -> Path | None:
    """Create .env from .env.example with a fresh signing key.

    An existing .env is left alone: re-baking over a project (``--overwrite-if-exists``)
    must not rotate the key a running deployment uses.
    """
    env_file = project_dir / ".env"
    example = project_dir / ".env.example"
    if env_file.exists() or not example.is_file():
        return None
    # 48 random bytes -> 64 URL-safe characters: far above the 32-byte minimum the
    # service enforces in prod, and needs no quoting in a dotenv file.
    key = secret if secret is not None else secrets.token_urlsafe(48)
    env_file.write_text(render_env(example.read_text(encoding="utf-8"), key), encoding="utf-8")
    env_file.chmod(0o600)
    return env_file


def ensure_gitignored(project_dir: Path, entry: str = GITIGNORE_ENTRY) -> bool:
    """Append ``entry`` to .gitignore unless it is already listed; True if changed."""
    gitignore = project_dir / ".gitignore"
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if {entry, f"/{entry}"} & {line.strip() for line in text.splitlines()}:
        return False
    separator = "" if not text or text.endswith("\n") else "\n"
    gitignore.write_text(f"{text}{separator}{entry}\n", encoding="utf-8")
    return True


def where_the_user_is(project_dir: Path, started_in: str | None) -> str:
    """``project_dir`` as the user should type it: relative to ``started_in``, the
    directory they ran cookiecutter in, when it lies below it, else absolute.
    `make demo` bakes into build/, where a bare slug would be wrong."""
    if not started_in or not Path(started_in).is_absolute():
        return str(project_dir)
    relative = Path(os.path.relpath(project_dir, started_in))
    return str(project_dir) if relative.parts[:1] == ("..",) else relative.as_posix()


def next_steps(answers: Answers, location: str) -> str:
    where = shlex.quote(location)
    docker_note = ", with Docker" if answers["use_docker"] == "true" else ""
    redis_note = ", with Redis" if answers.get("use_redis") == "true" else ""
    lines = [
        "",
        f"Created {location}/ ({answers['db_driver']}{docker_note}{redis_note}). Next steps:",
        "",
        f"  cd {where}",
        "  uv venv && uv pip install -e '.[dev]'   # or: python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'",
        "  source .venv/bin/activate",
    ]
    if answers["db_driver"] == "postgresql":
        lines.append("  # point DATABASE_URL in .env at your PostgreSQL server, then:")
    if redis_note:
        lines.append("  # REDIS_URL in .env: your Redis (unset, each process counts on its own)")
    lines += [
        "  python -m app migrate",
        "  python -m app serve --reload             # API docs: http://127.0.0.1:8000/docs",
        "  python -m app relay-events               # another shell: delivers the domain events",
    ]
    if redis_note:
        lines.append(
            "  python -m app consume-events             # with REDIS_URL: reads them from Redis"
        )
    lines.append(
        "  pytest                                   # lint: ruff check . && mypy && lint-imports"
    )
    if answers["use_docker"] == "true":
        lines += [
            "",
            "  Or with Docker:",
            "  docker compose -f docker-compose.yml -f docker-compose.dev.yml up",
        ]
    lines.append("")
    return "\n".join(lines)


def main(answers: Answers, project_dir: Path) -> int:
    prune(project_dir, paths_to_prune(answers))
    write_env(project_dir)
    ensure_gitignored(project_dir)
    # The hook runs inside the project, and cookiecutter itself has moved into the
    # template meanwhile; the shell's PWD still says where the user typed the command.
    location = where_the_user_is(project_dir, os.environ.get("PWD"))
    print(next_steps(answers, location))
    return 0


if __name__ == "__main__":
    # Cookiecutter runs this hook from the new project's root. The expression below
    # becomes a JSON text wrapped in a JSON string literal (valid Python too), so no
    # answer can break out of the string or run as code.
    sys.exit(main(json.loads({{cookiecutter | tojson | tojson}}), Path.cwd()))  # type: ignore[arg-type,name-defined]  # noqa: F821
