"""Refuse bad answers before cookiecutter writes a single file.

Only the ``__main__`` block at the bottom is touched by Jinja; everything else is
plain Python that the template tests import and call with ordinary dicts.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from collections.abc import Callable, Mapping

from slugify import slugify

# Kept in sync with cookiecutter.json by tests/test_hooks.py. Cookiecutter itself
# rejects an unknown choice only through its Python API; its command line lets one
# through (hooks/pre_prompt.py) for these checks to refuse, and so does a replay file.
CHOICES: dict[str, tuple[str, ...]] = {
    "python_version": ("3.11", "3.12", "3.13"),
    "db_driver": ("postgresql", "sqlite"),
    "use_docker": ("true", "false"),
    "use_redis": ("false", "true"),
}

# Names the generated service imports or installs. A project (distribution) with one
# of these names would shadow the real package or make pip refuse to install it.
SERVICE_PACKAGES = frozenset(
    {
        "aiosqlite",
        "app",
        "bcrypt",
        "fastapi",
        "fastapi_request_pipeline",
        "hatchling",
        "httpx",
        "import_linter",
        "importlinter",
        "jwt",
        "mypy",
        "psycopg",
        "pydantic",
        "pydantic_settings",
        "pyjwt",
        "pytest",
        "pytest_asyncio",
        "redis",
        "row_query",
        "rowquery",
        "ruff",
        "starlette",
        "tests",
        "uvicorn",
    }
)

# ASCII only: the slug is also the distribution name, and PEP 508 names are ASCII.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Answers = Mapping[str, object]
Check = Callable[[Answers], str | None]


def _suggest(slug: str) -> str:
    """Return a slug the user could use instead (shown in the fix hint)."""
    cleaned = slugify(slug, separator="_") or "my"
    if cleaned[0].isdigit():
        return f"service_{cleaned}"
    return cleaned if cleaned.endswith("_service") else f"{cleaned}_service"


def check_slug(answers: Answers) -> str | None:
    """The slug names the project directory and the distribution."""
    slug = str(answers.get("project_slug", ""))
    if not slug and check_project_name(answers) is not None:
        return None  # derived from the empty name, which check_project_name reports
    fix = f"pass e.g. project_slug={_suggest(slug)}"
    if not _IDENTIFIER.fullmatch(slug):
        return (
            f"project_slug {slug!r} is not a valid Python identifier "
            f"(ASCII letters, digits and underscores, not starting with a digit): {fix}"
        )
    if keyword.iskeyword(slug):
        return f"project_slug {slug!r} is a Python keyword: {fix}"
    lowered = slug.lower()
    if lowered in SERVICE_PACKAGES:
        return f"project_slug {slug!r} clashes with the {lowered!r} package the service uses: {fix}"
    if lowered in sys.stdlib_module_names:
        return f"project_slug {slug!r} clashes with the standard library module {lowered!r}: {fix}"
    return None


def check_project_name(answers: Answers) -> str | None:
    """The name is shown in /health, the README and the OpenAPI title."""
    if not str(answers.get("project_name", "")).strip():
        return 'project_name is empty: pass a human-readable name, e.g. project_name="My Service"'
    return None


def _check_choice(question: str) -> Check:
    def check(answers: Answers) -> str | None:
        value = str(answers.get(question, ""))
        allowed = CHOICES[question]
        if value in allowed:
            return None
        return f"{question} {value!r} is not supported: choose one of {', '.join(allowed)}"

    check.__name__ = f"check_{question}"
    return check


CHECKS: tuple[Check, ...] = (
    check_project_name,
    check_slug,
    *(_check_choice(question) for question in CHOICES),
)


def validate(answers: Answers) -> list[str]:
    """Return one message per problem, empty when the answers can be baked."""
    return [message for check in CHECKS if (message := check(answers)) is not None]


def refusal(answers: Answers) -> str | None:
    """The one line that refuses ``answers``, or None when they can be baked."""
    problems = validate(answers)
    return "ERROR: " + "; ".join(problems) if problems else None


def main(answers: Answers) -> int:
    # Normally hooks/answer_checks.py has refused bad answers already, while prompting;
    # this catches what skips the prompts (a replay file, an edited context).
    message = refusal(answers)
    if message is not None:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # Cookiecutter turns the expression below into a JSON text wrapped in a JSON string
    # literal (valid Python too), so answers with quotes, backslashes, braces or
    # newlines arrive as data and are never parsed as code.
    sys.exit(main(json.loads({{cookiecutter | tojson | tojson}})))  # type: ignore[arg-type,name-defined]  # noqa: F821
