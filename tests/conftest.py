"""Fixtures of the template tests (helpers live in tests/support.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    IN_CI,
    ROOT,
    BakedProject,
    PostgresServer,
    Variant,
    bake_ok,
    find_postgres_bindir,
    free_port,
    install,
    missing_prerequisite,
    run,
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under CI=true a skipped test counts as a failure, whoever skipped it."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true: {report.longrepr}"
    return report


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # pytest-cookies resolves --template against the working directory; pin it to
    # this repository so the suite also works when started from elsewhere.
    if config.option.template == str(Path.cwd()):
        config.option.template = str(ROOT)


# --------------------------------------------------------------------------- bakes


@pytest.fixture(scope="session")
def bake(cookies_session: Any) -> Callable[[Variant], BakedProject]:
    """Pristine bake of a variant, made once per worker. Tests must not modify it."""
    cache: dict[Variant, BakedProject] = {}

    def get(variant: Variant) -> BakedProject:
        if variant not in cache:
            cache[variant] = bake_ok(cookies_session, **variant.context)
        return cache[variant]

    return get


@pytest.fixture(scope="session")
def installed(
    cookies_session: Any, request: pytest.FixtureRequest
) -> Callable[[Variant], BakedProject]:
    """A separate bake of a variant, installed with its documented command, once per worker."""
    cache: dict[Variant, BakedProject] = {}

    def get(variant: Variant) -> BakedProject:
        if variant not in cache:
            project = bake_ok(cookies_session, **variant.context)
            install(project)
            if variant.db_driver == "postgresql":
                server: PostgresServer = request.getfixturevalue("postgres_server")
                url = server.create_database(variant.id.replace("-", "_"))
                project.extra_env["TEST_DATABASE_URL"] = url
            cache[variant] = project
        return cache[variant]

    return get


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway cluster: trust auth, loopback only, private socket directory.

    The data directory lives under /tmp rather than pytest's basetemp because, when we
    run as root, initdb runs as the `postgres` user, who cannot enter root's 0700 dirs.
    """
    bindir = find_postgres_bindir()
    if bindir is None:
        missing_prerequisite("PostgreSQL server binaries not found (apt-get install postgresql)")
        raise AssertionError("unreachable")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    workdir = Path(tempfile.mkdtemp(prefix="template-tests-pg-"))
    if as_postgres:
        shutil.chown(workdir, "postgres", "postgres")
    server = PostgresServer(bindir, workdir / "data", free_port(), as_postgres)
    run(
        [*as_postgres, bindir / "initdb", "-D", server.datadir, "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
        workdir,
        timeout=120,
    )  # fmt: skip
    options = f"-p {server.port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [*as_postgres, bindir / "pg_ctl", "-D", server.datadir]
    run([*pg_ctl, "-l", workdir / "server.log", "-o", options, "-w", "start"], workdir, timeout=120)
    try:
        yield server
    finally:
        run([*pg_ctl, "-m", "immediate", "-w", "stop"], workdir, timeout=60, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


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
