"""What the service does when its SQLite file is deleted, replaced, read-only or on a full disk.

Each of these used to go unnoticed or end in a 500: writes into a deleted file were
acknowledged and lost, a missing file was silently recreated empty, a file that was
read-only at startup stayed read-only for every pooled connection. Now each one is a
503 with Retry-After (readiness says which check failed), and the service recovers by
itself once the file is back in order, except after a delete or replace, which needs
a restart.

Read-only files and full disks are made with `chattr +i`, bind and tmpfs mounts, so
that they bind root too (root ignores permission bits). These need root, or a
password-less `sudo` (as on hosted CI runners): without either the tests skip
locally and fail under CI=true.
"""

import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import httpx
import pytest
from pydantic import SecretStr

from app.infrastructure.config import Settings
from app.infrastructure.db.database_url import parse_database_url
from app.infrastructure.db.migrate import apply_migrations
from app.infrastructure.db.sqlite_connection import SqliteConnectionManager

from .helpers import (
    REGISTER,
    USERS,
    assert_envelope,
    new_email,
    register,
    running_client,
    signed_up,
)

PASSWORD = "correct horse battery"
COMMAND_TIMEOUT_SECONDS = 10
SMALL_FILESYSTEM = "2m"
QUERY_TIMEOUT_SECONDS = 5.0
WRITE = "UPDATE schema_migrations SET version = version"
ALL_OK = {"database_reachable": "ok", "schema_migrated": "ok", "database_writable": "ok"}


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: these tests may not be skipped)")
    pytest.skip(reason)


def _as_root(command: tuple[str, ...]) -> list[str]:
    return list(command) if os.geteuid() == 0 else ["sudo", "--non-interactive", *command]


def _run(*command: str) -> None:
    """Run a command as root (it undoes what _prepare did: failing is an error)."""
    subprocess.run(
        _as_root(command), check=True, capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS
    )


def _prepare(*command: str) -> None:
    """A setup step as root: not being able to run it is a missing prerequisite."""
    try:
        _run(*command)
    except (OSError, subprocess.CalledProcessError) as error:
        _unavailable(f"needs root or password-less sudo for {' '.join(command)}: {error}")


def _settings_for(settings: Settings, database: Path) -> Settings:
    return settings.model_copy(update={"database_url": SecretStr(f"sqlite:///{database}")})


def _database_of(settings: Settings) -> Path:
    return Path(settings.database_url.get_secret_value().removeprefix("sqlite:///"))


async def _try_register(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(REGISTER, json={"email": new_email(), "password": PASSWORD})


def _assert_unavailable(response: httpx.Response) -> None:
    assert_envelope(response, 503, "SERVICE_UNAVAILABLE")
    assert int(response.headers["Retry-After"]) >= 1


async def _ready_checks(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.get("/health/ready")
    if response.status_code == 200:
        checks: dict[str, str] = response.json()["checks"]
        return checks
    _assert_unavailable(response)
    checks = response.json()["error"]["details"]["checks"]
    return checks


def _modes(database: Path, *suffixes: str) -> dict[str, int]:
    """The permission bits of the database's files, by suffix ("" for the database itself)."""
    return {suffix: stat.S_IMODE(os.stat(f"{database}{suffix}").st_mode) for suffix in suffixes}


# --- a deleted or replaced file ---------------------------------------------------------------


async def test_a_deleted_database_answers_503_and_is_not_recreated(settings: Settings) -> None:
    database = _database_of(settings)
    async with running_client(settings) as client:
        alice = await signed_up(client, "alice")
        assert (await _ready_checks(client)) == ALL_OK
        database.unlink()

        writes = [await _try_register(client) for _ in range(3)]
        read = await client.get(f"{USERS}/{alice.id}", headers=alice.headers)
        checks = await _ready_checks(client)

    for response in [*writes, read]:
        _assert_unavailable(response)
    assert checks["database_reachable"] == "failed"
    assert not database.exists()


async def test_a_replaced_database_answers_503_until_restarted(
    settings: Settings, tmp_path: Path
) -> None:
    database = _database_of(settings)
    replacement = tmp_path / "replacement.db"
    apply_migrations(f"sqlite:///{replacement}")
    async with running_client(settings) as client:
        await register(client)
        replacement.replace(database)

        writes = [await _try_register(client) for _ in range(3)]
        checks = await _ready_checks(client)

    for response in writes:
        _assert_unavailable(response)
    assert checks["database_reachable"] == "failed"
    async with running_client(settings) as client:  # a restart serves the new file
        assert (await _try_register(client)).status_code == 201
        assert (await _ready_checks(client)) == ALL_OK


async def test_starting_on_a_missing_file_creates_nothing_and_migrate_makes_it_ready(
    settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "not-yet.db"
    missing = _settings_for(settings, database)
    async with running_client(missing) as client:
        before = await _ready_checks(client)
        write = await _try_register(client)
        assert not database.exists()

        apply_migrations(missing.database_url.get_secret_value())
        after = await _ready_checks(client)

    assert before["database_reachable"] == "failed"
    _assert_unavailable(write)
    assert after == ALL_OK


def test_migrate_creates_the_database_private_to_its_owner(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    apply_migrations(f"sqlite:///{database}")

    assert _modes(database, "") == {"": 0o600}


async def test_the_write_ahead_log_files_inherit_the_private_mode(
    settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "fresh.db"
    apply_migrations(f"sqlite:///{database}")
    async with running_client(_settings_for(settings, database)) as client:
        await register(client)
        modes = _modes(database, "-wal", "-shm")

    assert modes == {"-wal": 0o600, "-shm": 0o600}


# --- a read-only file -------------------------------------------------------------------------


@dataclass
class ReadOnlyDatabase:
    """Makes one database read-only and writable again, in a way that also binds root."""

    database: Path
    how: str
    changed: bool = False  # whether restore() has something to undo

    def make_read_only(self) -> None:
        if self.how == "immutable-file":
            self.database.chmod(0o400)  # what a non-root service would see
            _prepare("chattr", "+i", str(self.database))
            self.changed = True
        else:
            directory = str(self.database.parent)
            _prepare("mount", "--bind", directory, directory)
            self.changed = True
            _prepare("mount", "-o", "remount,ro,bind", directory)

    def make_writable(self) -> None:
        if self.how == "immutable-file":
            _run("chattr", "-i", str(self.database))
            self.database.chmod(0o600)
        else:
            _run("mount", "-o", "remount,rw,bind", str(self.database.parent))

    def restore(self) -> None:
        """Undo make_read_only, so that pytest can delete the directory."""
        if not self.changed:
            return
        if self.how == "immutable-file":
            _run("chattr", "-i", str(self.database))
        else:
            _run("umount", "--lazy", str(self.database.parent))


# Readiness while read-only: an immutable file can still be read, but a read-only mount
# cannot even be opened in WAL mode (SQLite must create the -shm file next to it).
CHECKS_WHILE_READ_ONLY = {
    "immutable-file": {**ALL_OK, "database_writable": "failed"},
    "read-only-mount": {
        "database_reachable": "failed",
        "schema_migrated": "not_checked",
        "database_writable": "not_checked",
    },
}


@contextmanager
def _read_only_later(tmp_path: Path, how: str) -> Iterator[ReadOnlyDatabase]:
    directory = tmp_path / "data"
    directory.mkdir()
    database = directory / "app.db"
    apply_migrations(f"sqlite:///{database}")
    target = ReadOnlyDatabase(database, how)
    try:
        yield target
    finally:
        target.restore()


@pytest.fixture(params=list(CHECKS_WHILE_READ_ONLY))
def read_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReadOnlyDatabase]:
    with _read_only_later(tmp_path, request.param) as target:
        yield target


async def test_a_database_read_only_at_startup_answers_503_then_recovers_without_restart(
    settings: Settings, read_only: ReadOnlyDatabase
) -> None:
    read_only.make_read_only()
    async with running_client(_settings_for(settings, read_only.database)) as client:
        refused = [await _try_register(client) for _ in range(3)]
        checks_while_read_only = await _ready_checks(client)
        read_only.make_writable()
        accepted = [await _try_register(client) for _ in range(3)]
        checks_after = await _ready_checks(client)

    for response in refused:
        _assert_unavailable(response)
    assert checks_while_read_only == CHECKS_WHILE_READ_ONLY[read_only.how]
    assert [response.status_code for response in accepted] == [201, 201, 201]
    assert checks_after == ALL_OK


async def test_a_connection_that_found_its_file_read_only_is_not_handed_out_again(
    tmp_path: Path,
) -> None:
    """Even while the file stays read-only: SQLite keeps such a connection read-only for good."""
    with _read_only_later(tmp_path, "immutable-file") as read_only:
        read_only.make_read_only()
        manager = SqliteConnectionManager(
            parse_database_url(f"sqlite:///{read_only.database}", pool_size=1),
            QUERY_TIMEOUT_SECONDS,
        )
        try:
            async with manager.get_connection() as first:
                await manager.adapter.execute_async(first, "SELECT 1")
            async with manager.get_connection() as after_a_read:
                with pytest.raises(sqlite3.OperationalError, match="readonly"):
                    await manager.adapter.execute_async(after_a_read, WRITE)
            async with manager.get_connection() as after_the_refusal:
                pass
        finally:
            await manager.close_pool()

    assert after_a_read is first
    assert after_the_refusal is not first


async def test_a_connection_opened_read_only_is_replaced_once_the_file_is_writable(
    tmp_path: Path,
) -> None:
    """Before any write has to fail on it: the first write after the fix succeeds."""
    with _read_only_later(tmp_path, "immutable-file") as read_only:
        read_only.make_read_only()
        manager = SqliteConnectionManager(
            parse_database_url(f"sqlite:///{read_only.database}", pool_size=1),
            QUERY_TIMEOUT_SECONDS,
        )
        try:
            async with manager.get_connection() as opened_read_only:
                await manager.adapter.execute_async(opened_read_only, "SELECT 1")
            read_only.make_writable()
            async with manager.get_connection() as after_the_fix:
                await manager.adapter.execute_async(after_the_fix, WRITE)
        finally:
            await manager.close_pool()

    assert after_the_fix is not opened_read_only


# --- a full disk ------------------------------------------------------------------------------


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    options = f"size={SMALL_FILESYSTEM},uid={os.getuid()},gid={os.getgid()},mode=0700"
    _prepare("mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point))
    try:
        yield mount_point
    finally:
        # Lazy: a connection a failed test left open must not leave the mount behind.
        _run("umount", "--lazy", str(mount_point))


def _fill(path: Path) -> None:
    """Take every free block of the file system ``path`` is on."""
    free = os.statvfs(path.parent)
    path.write_bytes(b"\0" * (free.f_bavail * free.f_frsize))
    assert os.statvfs(path.parent).f_bavail == 0


async def test_a_full_disk_answers_503_and_recovers_once_space_is_freed(
    settings: Settings, small_filesystem: Path
) -> None:
    database = small_filesystem / "app.db"
    apply_migrations(f"sqlite:///{database}")
    filler = small_filesystem / "filler"
    async with running_client(_settings_for(settings, database)) as client:
        assert (await _try_register(client)).status_code == 201
        _fill(filler)
        refused = [await _try_register(client) for _ in range(5)]
        filler.unlink()
        accepted = await _try_register(client)

    for response in refused:
        _assert_unavailable(response)
    assert accepted.status_code == 201, accepted.text
