"""The one SQLite file a running service may use.

SQLite quietly makes do when its file changes: it creates a missing file (an empty
database), opens a write-protected one read-only, and keeps writing into a file that
was deleted or replaced after it was opened. Each of these lost or refused writes
silently. So the service never creates the file (only `python -m app migrate` does),
and it serves the file it found first: deleting or replacing it takes the service
out of service (503) until it is restarted.
"""

import os
from dataclasses import dataclass
from urllib.parse import quote

PRIVATE_FILE_MODE = 0o600


class DatabaseFileChangedError(OSError):
    """The database path now names another file than the one the service opened first."""


@dataclass(frozen=True, slots=True)
class FileIdentity:
    device: int
    inode: int


class SqliteDatabaseFile:
    def __init__(self, path: str) -> None:
        self.path = path
        self._served: FileIdentity | None = None

    @property
    def open_uri(self) -> str:
        """For `sqlite3.connect(..., uri=True)`: read-write, and a missing file is an error."""
        return f"file:{quote(self.path)}?mode=rw"

    def identity(self) -> FileIdentity | None:
        """Which file the path names now; None when there is none (one stat call)."""
        try:
            status = os.stat(self.path)
        except OSError:
            return None
        return FileIdentity(status.st_dev, status.st_ino)

    def writable(self) -> bool:
        # access() also sees a read-only mount and an immutable file, which root ignores
        # permission bits for; it is what decides whether SQLite opens the file read-only.
        return os.access(self.path, os.W_OK)

    def adopt(self) -> FileIdentity:
        """The identity of a connection just opened: the first one fixes the file served."""
        current = self.identity()
        if current is None:
            raise DatabaseFileChangedError(f"the database file {self.path} disappeared")
        if self._served is None:
            self._served = current
        elif current != self._served:
            raise DatabaseFileChangedError(
                f"the database file {self.path} was replaced: restart the service to use it"
            )
        return current

    def create_if_missing(self) -> None:
        """Create the file empty and private (SQLite gives -wal and -shm the same mode)."""
        try:
            descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
        except FileExistsError:
            return
        os.close(descriptor)
