"""Let the answer checks, not a traceback, refuse an unknown choice typed on the command line.

Cookiecutter compares a command-line answer such as ``db_driver=mysql`` with the choice
list of cookiecutter.json before any check of ours can run, and stops with a ValueError
traceback. This hook is the only template code that runs earlier: cookiecutter starts
it in a scratch copy of the template, and no answers are passed to it. So it reads the
``key=value`` words of the command line of the cookiecutter process that started it
(Linux: /proc; elsewhere: ``ps``) and appends any unknown value to the choice list of
the scratch copy. The value then reaches ``hooks/answer_checks.py``, which refuses it
with one line before a file is written. Where the command line cannot be read, nothing
changes and cookiecutter reports the bad choice itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

CONFIG = Path("cookiecutter.json")


def parent_command_line(pid: int) -> list[str]:
    """The words of process ``pid``'s command line, or [] when they cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return [word.decode(errors="replace") for word in raw.split(b"\0") if word]
    except OSError:
        pass
    try:
        # `ps` joins the words with spaces; choice values never contain one.
        shown = subprocess.run(
            ["ps", "-o", "args=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return shown.stdout.split()


def admit_unknown_choices(config: dict[str, object], words: Iterable[str]) -> list[str]:
    """Append each out-of-list choice answer in ``words`` to ``config``; return them."""
    admitted = []
    for word in words:
        question, separator, value = word.partition("=")
        choices = config.get(question)
        # Options (-o=x) and private keys (_extensions, a list too) are no choice answers.
        if word.startswith(("-", "_")) or not separator or not isinstance(choices, list):
            continue
        if value not in choices:
            choices.append(value)
            admitted.append(word)
    return admitted


def main(config_path: Path, parent_pid: int) -> int:
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if admit_unknown_choices(config, parent_command_line(parent_pid)):
        text = json.dumps(config, indent=2, ensure_ascii=False)
        config_path.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(CONFIG, os.getppid()))
