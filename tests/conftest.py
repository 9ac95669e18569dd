"""Fixtures of the template tests (helpers live in tests/support.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from tests.support import (
    IN_CI,
    STATE_DIR_VARIABLE,
    TEMPLATE_EXPORT,
    BakedProject,
    PostgresServer,
    Variant,
    bake_ok,
    find_postgres_bindir,
    install,
    missing_prerequisite,
    start_postgres,
    stop_postgres,
    template_under_test,
)
from tests.template_export import export_template


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under CI=true a skipped test counts as a failure, whoever skipped it."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        where = report.longrepr
        if isinstance(where, tuple):  # (path, line, "Skipped: reason")
            where = f"{where[0]}:{where[1]}: {where[2]}"
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where nothing may be skipped: {where}"
    return report


_STATE_DIR = pytest.StashKey[Path]()


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # A directory shared by the controller and its xdist workers (they inherit the
    # environment), holding cross-process state such as the PostgreSQL cluster.
    if _is_controller(config):
        state = Path(tempfile.mkdtemp(prefix="template-tests-"))
        config.stash[_STATE_DIR] = state
        os.environ[STATE_DIR_VARIABLE] = str(state)
        export_template(state / TEMPLATE_EXPORT)
    # pytest-cookies resolves --template against the working directory. Bake from the
    # run's export of this repository instead: what a clone holds, without the local
    # virtualenvs and build output that cookiecutter would copy for every bake.
    if config.option.template == str(Path.cwd()):
        config.option.template = str(template_under_test())


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE_DIR, None)
    if state is None:
        return
    info = state / "postgres.json"
    if info.exists():
        stop_postgres(PostgresServer.from_json(info.read_text()))
    shutil.rmtree(state, ignore_errors=True)
    os.environ.pop(STATE_DIR_VARIABLE, None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """One long test (the `long` marker) at the head of each xdist worker's first block,
    the rest of them next, the order otherwise kept.

    xdist's load scheduling starts each worker on a block of neighbouring tests (a
    quarter of its share) and then hands out the rest as workers free up. Left where they
    are, the baked suites, which sit side by side, would all run on one worker, one after
    another, at the end. Neighbours stay together, so each worker bakes few variants.
    """
    long = [item for item in items if item.get_closest_marker("long")]
    rest = [item for item in items if not item.get_closest_marker("long")]
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    block = max(len(items) // workers // 4, 2)
    order: list[pytest.Item] = []
    for _ in range(workers):
        head, long = long[:1], long[1:]
        take = block - len(head)
        order += head + rest[:take]
        rest = rest[take:]
    items[:] = order + long + rest


# --------------------------------------------------------------------------- bakes


def _once_per_variant(make: Callable[[Variant], BakedProject]) -> Callable[[Variant], BakedProject]:
    """Memoise ``make`` per variant, failures included: a broken install fails every
    test of that variant at once instead of being retried (slowly) by each of them."""
    done: dict[Variant, BakedProject | str] = {}

    def get(variant: Variant) -> BakedProject:
        if variant not in done:
            try:
                done[variant] = make(variant)
            except pytest.fail.Exception as failure:
                done[variant] = f"{variant.id} could not be prepared:\n{failure}"
        outcome = done[variant]
        if isinstance(outcome, str):
            pytest.fail(outcome, pytrace=False)
        return outcome

    return get


@pytest.fixture(scope="session")
def bake(cookies_session: Any) -> Callable[[Variant], BakedProject]:
    """Pristine bake of a variant, made once per worker. Tests must not modify it."""
    return _once_per_variant(lambda variant: bake_ok(cookies_session, **variant.context))


@pytest.fixture(scope="session")
def installed(
    cookies_session: Any, request: pytest.FixtureRequest
) -> Callable[[Variant], BakedProject]:
    """A separate bake of a variant, installed with its documented command, once per worker.

    A bake for a newer Python than this one cannot be installed here (requires-python).
    Its dependencies are those of the same answers on this Python, so it borrows that
    bake's virtualenv, with its own source first on the path: enough for ruff, mypy and
    import-linter, which parse newer syntax. Its suite runs in the GitHub workflow.
    """

    def make(variant: Variant) -> BakedProject:
        project = bake_ok(cookies_session, **variant.context)
        if not variant.runs_here:
            project.venv = get(variant.on_this_python()).venv
            project.extra_env["PYTHONPATH"] = str(project.path)
            return project
        install(project)
        if variant.db_driver == "postgresql":
            # The baked suite only uses this URL to create and drop its own databases,
            # so every project (and every worker) can share the admin database.
            server: PostgresServer = request.getfixturevalue("postgres_server")
            project.extra_env["TEST_DATABASE_URL"] = server.admin_url
        return project

    get = _once_per_variant(make)
    return get


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The run's single PostgreSQL cluster, started by the first worker that needs it.

    xdist workers are separate processes, so they coordinate through files in the run's
    state directory under a lock; the controller stops the cluster in pytest_unconfigure.
    """
    state = Path(os.environ[STATE_DIR_VARIABLE])
    info, failure = state / "postgres.json", state / "postgres.error"
    with FileLock(state / "postgres.lock"):
        if info.exists():
            return PostgresServer.from_json(info.read_text())
        if failure.exists():
            missing_prerequisite(failure.read_text())
        bindir = find_postgres_bindir()
        if bindir is None:
            failure.write_text("PostgreSQL server binaries not found (apt-get install postgresql)")
            missing_prerequisite(failure.read_text())
            raise AssertionError("unreachable")
        server = start_postgres(bindir)
        info.write_text(server.to_json())
        return server


# --------------------------------------------------------------------------- reporting


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the test counts of every baked suite (recorded by test_baked_quality)."""
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", []):
                if name == "baked_suite" and getattr(report, "when", "") == "call":
                    lines.append(str(value))
    if lines:
        terminalreporter.section("baked project test suites")
        for line in sorted(set(lines)):
            terminalreporter.write_line(line)
