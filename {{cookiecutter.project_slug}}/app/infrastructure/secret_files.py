"""Secrets read from files (Docker or Kubernetes secrets) instead of the environment.

A process's environment is readable by whoever can inspect it (`docker inspect`, a
crash reporter, a child process); a file under /run/secrets is readable by the service
user alone. `<SETTING>_FILE` names the file: its content, less one trailing newline, is
the value. A password file fills in the password of a URL that holds none, so the URL
itself (host, user, database) can stay in plain configuration.
"""

import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

# More than any key or password needs: a path to the wrong file (a log, an image) is
# refused instead of read into memory.
MAX_SECRET_BYTES = 65_536


@dataclass(frozen=True)
class SecretFile:
    """`file_setting` names a file that supplies `setting`: all of it, or its URL's password."""

    file_setting: str
    setting: str
    is_password_of_url: bool = False

    def apply(self, values: dict[str, Any], default: str) -> None:
        path = values.get(self.file_setting)
        if path is None or not str(path).strip():
            return
        secret = read_secret(Path(str(path)), self.file_setting.upper())
        current = _plain(values.get(self.setting))
        if not self.is_password_of_url:
            if current.strip():
                raise ValueError(
                    f"{self.setting.upper()} and {self.file_setting.upper()} are both set: "
                    "set one of them"
                )
            values[self.setting] = secret
            return
        setting = self.file_setting.upper()
        if current.strip():
            values[self.setting] = with_password(current, secret, setting)
        elif not default:
            raise ValueError(f"{setting} is a password for {self.setting.upper()}: set that too")
        else:  # the default URL's password is the development one: the file's replaces it
            values[self.setting] = with_password(default, secret, setting, replace=True)


def read_secret(path: Path, setting: str) -> str:
    """The secret in `path`; a ValueError naming `setting`, never the content, otherwise."""
    try:
        # A FIFO or a device would block the start, or never end: a regular file only.
        if not stat.S_ISREG(path.stat().st_mode):
            raise ValueError(f"{setting}: {path} is not a regular file")
        with path.open("rb") as file:
            content = file.read(MAX_SECRET_BYTES + 1)
    except OSError as error:
        raise ValueError(f"{setting}: cannot read {path}: {error.strerror}") from None
    if len(content) > MAX_SECRET_BYTES:
        raise ValueError(f"{setting}: {path} is over {MAX_SECRET_BYTES} bytes: not a secret")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{setting}: {path} is not UTF-8 text") from None
    # `echo secret > file` and editors end the file with a newline that is no part of it.
    secret = text.removesuffix("\n")
    # What the other readers of the file (a shell's $(cat), the database's entrypoint) would
    # keep, and so disagree on: refused rather than guessed at.
    if secret.endswith("\r"):
        raise ValueError(f"{setting}: {path} ends in CR LF: save it with a plain line end")
    if secret.startswith("\ufeff"):
        raise ValueError(f"{setting}: {path} starts with a byte-order mark: save it without")
    if not secret.strip():
        raise ValueError(f"{setting}: {path} is empty")
    if "\n" in secret or "\r" in secret:
        raise ValueError(f"{setting}: {path} holds more than one line")
    if "\x00" in secret:
        raise ValueError(f"{setting}: {path} holds a NUL character")
    return secret


def with_password(url: str, password: str, setting: str, *, replace: bool = False) -> str:
    """`url` with `password` (percent-encoded) as its password, after its user if any."""
    parts = urlsplit(url)
    credentials, _, host = parts.netloc.rpartition("@")
    user, _, existing = credentials.partition(":")
    if not host:
        raise ValueError(f"{setting}: the URL it completes names no host")
    if existing and not replace:
        raise ValueError(f"{setting}: the URL it completes already holds a password")
    netloc = f"{user}:{quote(password, safe='')}@{host}"
    return parts._replace(netloc=netloc).geturl()


def apply_secret_files(
    values: Mapping[str, Any], files: tuple[SecretFile, ...], defaults: Mapping[str, str]
) -> dict[str, Any]:
    """`values` with each file of `files` that is set read into the setting it supplies."""
    resolved = dict(values)
    for secret_file in files:
        secret_file.apply(resolved, defaults.get(secret_file.setting, ""))
    return resolved


def _plain(value: object) -> str:
    if value is None:
        return ""
    get_secret_value = getattr(value, "get_secret_value", None)
    return str(get_secret_value() if callable(get_secret_value) else value)
