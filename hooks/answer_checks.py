"""Refuse bad answers inside cookiecutter, after the last prompt: one line, nothing written.

The pre-gen hook runs only after cookiecutter has created the project directory, and a
failing hook makes cookiecutter log a traceback. So the same checks also run here, as a
Jinja filter that cookiecutter.json applies to every answer in its last, private
variable (``__answers_checked``). Cookiecutter renders that variable once all answers
are known, typed or given on the command line, and before it writes anything. A refusal
raises the exception cookiecutter's command line prints as a single line.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment
from jinja2.ext import Extension

from hooks.pre_gen_project import CHOICES, refusal

# The answers the checks read; all of them are known when the filter runs, but in a replay.
QUESTIONS = frozenset({"project_name", "project_slug", *CHOICES})


def scratch_copies(search_path: Iterable[str], temp_dir: str) -> list[Path]:
    """Cookiecutter's copies of this template, made for the pre-prompt hook.

    Cookiecutter puts the copy it bakes from on ``sys.path`` while it prompts, and
    deletes it only after a bake: a refusal would leave one in the temp directory.
    """
    temp = Path(temp_dir).resolve()
    copies = [Path(entry).resolve() for entry in search_path]
    return [
        copy.parent
        for copy in copies
        if copy.parent.parent == temp
        and copy.parent.name.startswith("cookiecutter")
        and (copy / "hooks" / "pre_prompt.py").is_file()
    ]


def refuse_bad_answers(answers: Mapping[str, object]) -> str:
    if not answers.keys() >= QUESTIONS:
        # A replay: cookiecutter renders only what the replay file lacks, so the answers
        # are not all here. The pre-gen hook checks the whole replayed context.
        return "by the pre-gen hook"
    message = refusal(answers)
    if message is not None:
        for copy in scratch_copies(sys.path, tempfile.gettempdir()):
            shutil.rmtree(copy, ignore_errors=True)
        raise FailedHookException(message)
    return "yes"


class AnswerChecks(Extension):
    """Adds the ``refuse_bad_answers`` filter (listed in cookiecutter.json's ``_extensions``)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["refuse_bad_answers"] = refuse_bad_answers
