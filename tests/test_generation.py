"""Promises about what a bake produces, for every variant of the matrix."""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hooks.post_gen_project import PRUNING_TABLE
from tests.support import (
    TEMPLATE_DIR,
    VARIANTS,
    BakedProject,
    Variant,
    bake_ok,
    run,
    variant_params,
    version_tuple,
)
from tests.test_baked_quality import (
    LOCK_COMMAND,
    LOCKED_INSTALL_COMMAND,
    install_scripts,
    locked_install,
)

Bake = Callable[[Variant], BakedProject]

# Jinja left in output means a template bug. `${{` (GitHub Actions expressions) and
# `${#` (shell string length) are legitimate in generated files.
UNRENDERED = re.compile(r"(?<!\$)\{[{%#]")

DRIVER_PACKAGES = {"postgresql": "psycopg", "sqlite": "aiosqlite"}


def _always(_: Variant) -> bool:
    return True


def _docker(variant: Variant) -> bool:
    return variant.docker


def _driver(name: str) -> Callable[[Variant], bool]:
    return lambda variant: variant.db_driver == name


def _redis(variant: Variant) -> bool:
    return variant.redis


# path in the baked project -> which variants have it
EXPECTED_PATHS: list[tuple[str, Callable[[Variant], bool]]] = [
    ("README.md", _always),
    ("pyproject.toml", _always),
    (".gitignore", _always),
    (".env.example", _always),
    (".env", _always),
    (".pre-commit-config.yaml", _always),
    (".github/workflows/ci.yml", _always),
    (".github/dependabot.yml", _always),
    ("config/local.env", _always),
    ("config/dev.env", _always),
    ("config/stage.env", _always),
    ("config/prod.env", _always),
    ("app/__init__.py", _always),
    ("app/__main__.py", _always),
    ("app/main.py", _always),
    ("app/bootstrap.py", _always),
    ("app/infrastructure/config.py", _always),
    ("app/infrastructure/db/connection.py", _always),
    ("app/infrastructure/db/migrate.py", _always),
    ("app/interfaces/pipeline/flows.py", _always),
    ("tests/conftest.py", _always),
    ("Dockerfile", _docker),
    (".dockerignore", _docker),
    ("docker-compose.yml", _docker),
    ("docker-compose.dev.yml", _docker),
    ("docker-compose.stage.yml", _docker),
    ("docker-compose.prod.yml", _docker),
    ("docker", _docker),
    ("app/infrastructure/db/sqlite_connection.py", _driver("sqlite")),
    ("app/infrastructure/db/postgresql_connection.py", _driver("postgresql")),
    ("tests/postgres_server.py", _driver("postgresql")),
    ("app/infrastructure/redis/redis_throttle_store.py", _redis),
    ("app/infrastructure/redis/redis_client.py", _redis),
    ("app/infrastructure/redis/redis_probe.py", _redis),
    ("tests/redis_server.py", _redis),
    ("tests/contract/test_redis_outage.py", _redis),
    # The login throttle's unit tests count in it with a clock they move.
    ("app/infrastructure/throttle/in_memory_throttle_store.py", _always),
    # Domain events: the outbox and its relay everywhere; the stream and its consumer with
    # Redis only (without it the relay hands events to the subscribers itself).
    ("app/domain/events/user_registered.py", _always),
    ("app/application/bus/event_bus.py", _always),
    ("app/application/events/outbox_relay.py", _always),
    ("app/application/events/local_event_publisher.py", _always),
    ("app/application/subscribers/record_account_activity.py", _always),
    ("app/infrastructure/db/sql_outbox.py", _always),
    ("app/infrastructure/db/migrations/003_create_outbox.sql", _always),
    ("app/interfaces/workers/polling_loop.py", _always),
    ("app/application/ports/event_consumer.py", _redis),
    ("app/infrastructure/redis/event_stream.py", _redis),
    ("app/infrastructure/redis/redis_stream_consumer.py", _redis),
]


def text_files(project: BakedProject) -> list[tuple[Path, str]]:
    found = []
    for path in project.files():
        try:
            found.append((path, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # binary files cannot hold Jinja
    return found


def dependency_names(pyproject: dict[str, Any]) -> set[str]:
    """Normalised names of every requirement: runtime, extras and dependency groups."""
    project = pyproject.get("project", {})
    specs: list[Any] = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    for group in pyproject.get("dependency-groups", {}).values():
        specs += group
    names = set()
    for spec in specs:
        if isinstance(spec, str):  # skip {include-group = ...} entries
            match = re.match(r"[A-Za-z0-9._-]+", spec)
            assert match, spec
            names.add(re.sub(r"[-_.]+", "-", match.group()).lower())
    return names


def env_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


# --------------------------------------------------------------------------- matrix


@pytest.mark.parametrize("variant", variant_params())
def test_variant_bakes(bake: Bake, variant: Variant) -> None:
    assert bake(variant).path.is_dir()


@pytest.mark.parametrize("variant", variant_params())
def test_the_python_version_reaches_every_tool(bake: Bake, variant: Variant) -> None:
    """The interpreter floor, ruff's target, mypy's target, CI and the image agree."""
    project = bake(variant).path
    version = variant.python_version
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["requires-python"] == f">={version}"
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{version.replace('.', '')}"
    assert pyproject["tool"]["mypy"]["python_version"] == version
    ci = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert f'python-version: "{version}"' in ci
    if variant.docker:
        dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
        assert f"ARG PYTHON_VERSION={version}\n" in dockerfile


@pytest.mark.parametrize("variant", variant_params())
def test_generics_use_the_syntax_of_the_target_python(bake: Bake, variant: Variant) -> None:
    """PEP 695 type parameters from 3.12 on (ruff's UP046/UP047), TypeVar before."""
    sources = [
        (bake(variant).path / name).read_text(encoding="utf-8")
        for name in (
            "app/domain/entities/base.py",
            "app/application/bus/command_bus.py",
            "app/application/bus/query_bus.py",
        )
    ]
    modern = version_tuple(variant.python_version) >= (3, 12)
    for source in sources:
        assert ("TypeVar(" in source) is not modern
        assert bool(re.search(r"^class \w+\[\w+\]:", source, re.MULTILINE)) is modern


@pytest.mark.parametrize("variant", variant_params())
def test_no_unrendered_jinja(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    leftovers = [
        f"{path.relative_to(project.path)}:{number}: {line.strip()}"
        for path, text in text_files(project)
        for number, line in enumerate(text.splitlines(), start=1)
        if UNRENDERED.search(line)
    ]
    assert leftovers == []


@pytest.mark.parametrize("variant", variant_params())
def test_no_empty_files(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    empty = [
        str(path.relative_to(project.path)) for path in project.files() if not path.stat().st_size
    ]
    assert empty == []


@pytest.mark.parametrize("variant", variant_params())
def test_no_empty_directories(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    empty = [
        str(path.relative_to(project.path))
        for path in project.path.rglob("*")
        if path.is_dir() and not any(path.iterdir())
    ]
    assert empty == []


@pytest.mark.parametrize("variant", variant_params())
@pytest.mark.parametrize(
    ("path", "expected"), [pytest.param(path, rule, id=path) for path, rule in EXPECTED_PATHS]
)
def test_path_presence(
    bake: Bake, variant: Variant, path: str, expected: Callable[[Variant], bool]
) -> None:
    assert (bake(variant).path / path).exists() == expected(variant)


# --------------------------------------------------------------------------- pyproject


@pytest.mark.parametrize("variant", variant_params())
def test_pyproject_lists_only_its_own_driver(bake: Bake, variant: Variant) -> None:
    pyproject = tomllib.loads((bake(variant).path / "pyproject.toml").read_text(encoding="utf-8"))
    names = dependency_names(pyproject)
    own = DRIVER_PACKAGES[variant.db_driver]
    others = {pkg for driver, pkg in DRIVER_PACKAGES.items() if driver != variant.db_driver}
    assert any(name == own or name.startswith(f"{own}-") for name in names), names
    assert not {name for name in names for other in others if name.startswith(other)}
    assert ("redis" in names) == variant.redis, names


@pytest.mark.parametrize("variant", variant_params())
def test_pyproject_names_the_project_and_package(bake: Bake, variant: Variant) -> None:
    project = bake(variant)
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == project.context["project_slug"]
    assert "dev" in pyproject["project"].get("optional-dependencies", {})


@pytest.mark.parametrize("variant", variant_params())
def test_the_mutation_scope_names_only_what_the_variant_has(bake: Bake, variant: Variant) -> None:
    """A pattern or test id that matches nothing would shrink the scope without a word."""
    project = bake(variant).path
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    mutmut = pyproject["tool"]["mutmut"]
    for pattern in mutmut["only_mutate"]:
        assert list(project.glob(pattern.replace("*", "**/*.py"))), pattern
    for path in [*mutmut["source_paths"], *mutmut["also_copy"]]:
        assert (project / path).exists(), path
    for path in mutmut["pytest_add_cli_args_test_selection"]:
        assert (project / path).is_dir(), path
    for option in mutmut["pytest_add_cli_args"]:
        name, _, target = option.partition("=")
        if name in {"--ignore", "--deselect"}:
            file, _, test = target.partition("::")
            source = (project / file).read_text(encoding="utf-8")
            assert not test or f"def {test}(" in source, option


# --------------------------------------------------------------------------- dependencies


@pytest.mark.parametrize("variant", variant_params())
def test_dependabot_watches_what_the_variant_ships(bake: Bake, variant: Variant) -> None:
    project = bake(variant).path
    config = yaml.safe_load((project / ".github/dependabot.yml").read_text(encoding="utf-8"))
    updates = config["updates"]
    expected = [
        "uv",
        "github-actions",
        "pre-commit",
        *(["docker"] if variant.docker else []),
        *(["docker-compose"] if variant.docker else []),
    ]
    assert [update["package-ecosystem"] for update in updates] == expected
    for update in updates:
        assert update["directory"] == "/"
        assert update["schedule"]["interval"] == "weekly"
        assert update["groups"], f"{update['package-ecosystem']}: one pull request per package"
    if variant.docker:
        # Dependabot reads only FROM lines naming a literal image: one must be there to bump.
        dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
        assert re.search(r"^FROM [^$\s]+:[^$\s]+ ", dockerfile, re.MULTILINE)


@pytest.mark.parametrize("variant", variant_params(docker=True))
def test_readme_ci_and_dockerfile_tell_one_lock_story(bake: Bake, variant: Variant) -> None:
    """Made with `uv lock`; installed with `uv sync --locked` by CI and the image build,
    which the README names as they are written (test_baked_quality runs them)."""
    project = bake(variant).path
    readme = (project / "README.md").read_text(encoding="utf-8")
    for name in ("README.md", ".github/workflows/ci.yml", "Dockerfile"):
        assert LOCK_COMMAND in (project / name).read_text(encoding="utf-8"), name
    installs = {where: locked_install(script) for where, script in install_scripts(project).items()}
    assert installs["ci"] == LOCKED_INSTALL_COMMAND
    assert installs["docker"].startswith(f"{LOCKED_INSTALL_COMMAND} "), installs["docker"]
    for command in installs.values():
        assert f"`{command}`" in readme, command


# --------------------------------------------------------------------------- .env


@pytest.mark.parametrize("variant", variant_params())
def test_env_has_a_strong_fresh_secret(bake: Bake, cookies: Any, variant: Variant) -> None:
    first = bake(variant).path
    second = bake_ok(cookies, **variant.context).path
    key = env_values(first / ".env").get("JWT_SECRET_KEY", "")
    assert len(key.encode()) >= 32
    assert key != env_values(first / ".env.example").get("JWT_SECRET_KEY")
    assert key != env_values(second / ".env")["JWT_SECRET_KEY"]


@pytest.mark.parametrize("variant", variant_params())
def test_env_is_git_ignored_but_example_is_not(
    bake: Bake, tmp_path: Path, variant: Variant
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(bake(variant).path, repo)
    run(["git", "init", "--quiet"], repo)
    assert run(["git", "check-ignore", "--quiet", ".env"], repo, check=False).returncode == 0
    example = run(["git", "check-ignore", "--quiet", ".env.example"], repo, check=False)
    assert example.returncode == 1


# --------------------------------------------------------------------------- pruning table


@pytest.mark.parametrize("row", [pytest.param(row, id=row.path) for row in PRUNING_TABLE])
def test_pruning_row_names_a_template_path(row: Any) -> None:
    assert (TEMPLATE_DIR / row.path).exists(), f"stale pruning row: {row}"


def test_pruning_table_lists_each_path_once() -> None:
    paths = [row.path for row in PRUNING_TABLE]
    assert sorted(paths) == sorted(set(paths))


def test_files_that_differ_between_variants_are_all_in_the_pruning_table(bake: Bake) -> None:
    """A variant-specific file missing from the table would ship in every variant."""
    listed = {row.path for row in PRUNING_TABLE}

    def relative_files(variant: Variant) -> set[str]:
        project = bake(variant)
        return {path.relative_to(project.path).as_posix() for path in project.files()}

    per_variant = [relative_files(variant) for variant in VARIANTS]
    differing = set[str]().union(*per_variant) - per_variant[0].intersection(*per_variant[1:])
    unlisted = {
        path
        for path in differing
        if not any(path == entry or path.startswith(f"{entry}/") for entry in listed)
    }
    assert unlisted == set()
