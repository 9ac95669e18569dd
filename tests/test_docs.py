"""The docs stay honest: the paths they name exist, and the worked example works.

README.md marks every block of its worked example with a first line naming the file:
``# file: app/...`` (``-- file:`` in SQL) is a new file with the rest of the block as
its content; ``# edit: app/...`` is a diff block whose ``-``/``+`` line pairs each
replace every occurrence of an existing line. The example is applied to a fresh bake,
which must then pass its own ruff, mypy and import-linter, its new tests, and the tests
that look at the whole code base (below); the rest of the suite runs on the same answers
unchanged in tests/test_baked_quality.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    ROOT,
    VARIANTS,
    BakedProject,
    Variant,
    bake_ok,
    install,
    own_basetemp,
    variant_params,
)

Bake = Callable[[Variant], BakedProject]

TEMPLATE_DOCS = ("README.md", "docs/ARCHITECTURE.md", "docs/SCALING.md")
SERVICE_README = "README.md"

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
# Backticked tokens that look like a path inside the template repo or a baked project.
PATH_PREFIXES = ("app/", "tests/", "config/", "docker/", "docs/", "hooks/", ".github/", ".ci/")
ROOT_FILES = frozenset(
    {
        "Dockerfile",
        ".dockerignore",
        "docker-compose.yml",
        "docker-compose.dev.yml",
        "docker-compose.stage.yml",
        "docker-compose.prod.yml",
        ".env.example",
        "pyproject.toml",
        "Makefile",
        "cookiecutter.json",
        "LICENSE",
        ".pre-commit-config.yaml",
    }
)
# Placeholders such as `app/infrastructure/sql/<entity>/<verb>.sql` are not paths.
PLACEHOLDER = re.compile(r"[<>*{}]|\.\.\.|NNN")
MARKER = re.compile(r"^(?:#|--) (file|edit): (\S+)\s*$")


# --------------------------------------------------------------------------- parsing


def prose(markdown: str) -> str:
    """The markdown without its fenced code blocks."""
    return FENCE.sub("", markdown)


def mentioned_paths(markdown: str) -> set[str]:
    paths = set()
    for token in INLINE_CODE.findall(prose(markdown)):
        candidate = token.strip()
        if " " in candidate or PLACEHOLDER.search(candidate):
            continue
        if candidate.startswith(PATH_PREFIXES) or candidate in ROOT_FILES:
            paths.add(candidate.rstrip("/"))
    return paths


@dataclass(frozen=True)
class ExampleBlock:
    action: str  # "file" or "edit"
    path: str
    body: str


def example_blocks(markdown: str) -> list[ExampleBlock]:
    blocks = []
    for content in FENCE.findall(markdown):
        first, _, rest = content.partition("\n")
        match = MARKER.match(first)
        if match:
            blocks.append(ExampleBlock(match.group(1), match.group(2), rest))
    return blocks


def apply_edit(text: str, diff: str) -> str:
    """Apply the ``-old`` / ``+new`` line pairs of ``diff`` to every line equal to ``old``."""
    lines = [line for line in diff.splitlines() if line.startswith(("-", "+"))]
    assert lines, "an edit block has no -/+ lines"
    assert len(lines) % 2 == 0, f"unpaired -/+ lines in edit block:\n{diff}"
    for removed, added in zip(lines[::2], lines[1::2], strict=True):
        assert removed.startswith("-"), removed
        assert added.startswith("+"), added
        old, new = removed[1:], added[1:]
        current = text.splitlines(keepends=True)
        hits = [index for index, line in enumerate(current) if line.rstrip("\n") == old]
        assert hits, f"no line {old!r} to edit"
        for index in hits:
            current[index] = new + "\n"
        text = "".join(current)
    return text


def readme_example() -> list[ExampleBlock]:
    return example_blocks((ROOT / "README.md").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- parser self-tests


def test_parser_finds_paths_only_in_prose() -> None:
    markdown = (
        "See `app/main.py`, `docs/SCALING.md`, `Dockerfile` and `app/sql/<entity>/<verb>.sql`;"
        " `ruff check .` is a command.\n```bash\ncat `app/not_prose.py`\n```\n"
    )
    assert mentioned_paths(markdown) == {"app/main.py", "docs/SCALING.md", "Dockerfile"}


def test_apply_edit_replaces_every_matching_line() -> None:
    text = "a = 1\nb = 2\n"
    assert apply_edit(text, "# edit: x.py\n-b = 2\n+b = 3\n") == "a = 1\nb = 3\n"
    assert apply_edit(text + "b = 2\n", "-b = 2\n+b = 3\n") == "a = 1\nb = 3\nb = 3\n"
    with pytest.raises(AssertionError, match="no line"):
        apply_edit(text, "-c = 1\n+c = 2\n")


def test_readme_has_a_complete_worked_example() -> None:
    blocks = readme_example()
    files = {block.path for block in blocks if block.action == "file"}
    assert any(path.startswith("app/application/handlers/commands/") for path in files)
    assert any(path.startswith("app/application/handlers/queries/") for path in files)
    assert any(path.startswith("app/infrastructure/sql/") for path in files)
    assert any(path.startswith("app/application/subscribers/") for path in files)
    assert any(path.startswith("tests/") and Path(path).name.startswith("test_") for path in files)
    assert len(files) == len([block for block in blocks if block.action == "file"]), "dup file"


# --------------------------------------------------------------------------- paths exist


@pytest.fixture(scope="module")
def all_variant_bakes(bake: Bake) -> list[BakedProject]:
    return [bake(variant) for variant in VARIANTS]


@pytest.mark.parametrize("doc", TEMPLATE_DOCS)
def test_template_doc_paths_exist(doc: str, all_variant_bakes: list[BakedProject]) -> None:
    """A path in the template's docs exists in the template repo or in some variant's bake.

    Files the README's worked example creates are exempt: they exist once it is applied
    (test_worked_example_passes_the_project_checks).
    """
    created = {block.path for block in readme_example() if block.action == "file"}
    roots = [ROOT, *(project.path for project in all_variant_bakes)]
    missing = sorted(
        path
        for path in mentioned_paths((ROOT / doc).read_text(encoding="utf-8"))
        if path not in created and not any((root / path).exists() for root in roots)
    )
    assert not missing, f"{doc} mentions paths that do not exist: {missing}"


@pytest.mark.parametrize("variant", variant_params())
def test_service_readme_paths_exist(bake: Bake, variant: Variant) -> None:
    """The baked README only names files that this variant actually has."""
    project = bake(variant)
    readme = (project.path / SERVICE_README).read_text(encoding="utf-8")
    missing = sorted(path for path in mentioned_paths(readme) if not (project.path / path).exists())
    assert not missing, f"{variant.id} README mentions missing paths: {missing}"


@pytest.mark.parametrize("variant", variant_params())
def test_service_readme_documents_every_setting(bake: Bake, variant: Variant) -> None:
    """Every field of Settings appears, upper-cased, in the baked README."""
    project = bake(variant)
    config = (project.path / "app/infrastructure/config.py").read_text(encoding="utf-8")
    body = config.split("class Settings", 1)[1].split("\n\n    @", 1)[0]
    fields = re.findall(r"^    ([a-z_]+): ", body, re.MULTILINE)
    assert fields, "no Settings fields found"
    readme = (project.path / SERVICE_README).read_text(encoding="utf-8")
    undocumented = [name.upper() for name in fields if f"`{name.upper()}`" not in readme]
    assert not undocumented, f"README lacks settings: {undocumented}"


@pytest.mark.parametrize("variant", variant_params())
def test_service_readme_documents_every_command(bake: Bake, variant: Variant) -> None:
    """Every subcommand of `python -m app` this variant has appears in its README as run."""
    project = bake(variant)
    cli = (project.path / "app/__main__.py").read_text(encoding="utf-8")
    commands = re.findall(r'\.add_parser\(\s*"([a-z-]+)"', cli)
    assert commands, "no subcommands found"
    readme = (project.path / SERVICE_README).read_text(encoding="utf-8")
    undocumented = [name for name in commands if f"python -m app {name}" not in readme]
    assert not undocumented, f"README lacks commands: {undocumented}"


# --------------------------------------------------------------------------- worked example

EXAMPLE_VARIANT = Variant("sqlite", "false")


@pytest.fixture(scope="module")
def example_project(cookies_session: Any) -> BakedProject:
    """A separate, installed bake of the SQLite variant with the README's example applied."""
    project = bake_ok(cookies_session, **EXAMPLE_VARIANT.context)
    for block in readme_example():
        target = project.path / block.path
        if block.action == "file":
            assert not target.exists(), f"the example would overwrite {block.path}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
        else:
            text = target.read_text(encoding="utf-8")
            target.write_text(apply_edit(text, block.body), encoding="utf-8")
    install(project)
    return project


TOOLS = [
    pytest.param(("ruff", "check", "."), id="ruff-check"),
    pytest.param(("ruff", "format", "--check", "."), id="ruff-format"),
    pytest.param(("mypy",), id="mypy"),
    pytest.param(("lint-imports",), id="lint-imports"),
]

# Baked tests that read every module, route or handler, so the example's additions are
# theirs too: the layer rules, the OpenAPI contract and its fuzzing, the buses' discovery.
# Every other baked test sees only code the example leaves alone (it edits app/main.py to
# mount its router, which its own HTTP tests go through).
WHOLE_CODE_BASE_TESTS = (
    "tests/test_architecture.py",
    "tests/contract/test_openapi.py",
    "tests/contract/test_fuzzing.py",
    "tests/integration/test_composition_root.py",
    "tests/unit/test_buses.py",
)


@pytest.mark.quality
@pytest.mark.xdist_group("sqlite")
@pytest.mark.parametrize("tool", TOOLS)
def test_worked_example_passes_the_project_checks(
    example_project: BakedProject, tool: tuple[str, ...]
) -> None:
    example_project.run(*tool)


@pytest.mark.quality
@pytest.mark.long
@pytest.mark.xdist_group("sqlite")
def test_worked_example_tests_and_the_whole_code_base_tests_pass(
    example_project: BakedProject, tmp_path: Path
) -> None:
    tests = [b.path for b in readme_example() if b.action == "file" and b.path.startswith("tests/")]
    assert tests, "the worked example adds no test"
    for path in WHOLE_CODE_BASE_TESTS:
        assert (example_project.path / path).is_file(), f"{path} is gone: update this list"
    completed = example_project.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        *own_basetemp(tmp_path),
        *tests,
        *WHOLE_CODE_BASE_TESTS,
    )
    assert re.search(r"\b[1-9]\d* passed\b", completed.stdout), completed.stdout
    assert "skipped" not in completed.stdout, completed.stdout
