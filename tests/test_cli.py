"""The command line users type works, not only the Python API pytest-cookies uses.

`use_docker=false` from the CLI is the classic failure of templates whose choices are
JSON booleans; here the choices are strings, and this proves it end to end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support import ROOT, clean_env, run

# The console script users run, installed next to this interpreter by `make test`.
CLI = [str(Path(sys.executable).with_name("cookiecutter"))]


def cookiecutter_cli(output_dir: Path, *answers: str) -> list[str]:
    return [*CLI, str(ROOT), "--no-input", "--output-dir", str(output_dir), *answers]


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(("use_docker=false", "db_driver=sqlite"), id="sqlite-nodocker"),
        pytest.param(("use_docker=true", "db_driver=postgresql"), id="postgresql-docker"),
        pytest.param(("project_name=Billing Api", "python_version=3.13"), id="name-and-python"),
    ],
)
def test_cli_bakes(tmp_path: Path, answers: tuple[str, ...]) -> None:
    completed = run(cookiecutter_cli(tmp_path, *answers), tmp_path, env=clean_env(), timeout=120)
    baked = [path.name for path in tmp_path.iterdir()]
    assert len(baked) == 1, baked
    assert (tmp_path / baked[0] / ".env").is_file()
    assert "Next steps" in completed.stdout
    assert f"cd {baked[0]}" in completed.stdout


def test_cli_derives_the_slug_from_the_name(tmp_path: Path) -> None:
    run(cookiecutter_cli(tmp_path, "project_name=Billing-Api Service"), tmp_path, timeout=120)
    assert [path.name for path in tmp_path.iterdir()] == ["billing_api_service"]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param(("project_slug=class",), "project_slug 'class' is a Python keyword", id="kw"),
        pytest.param(("project_name=FastAPI",), "clashes with", id="derived-slug-collides"),
        pytest.param(("project_name=json",), "standard library module 'json'", id="stdlib"),
        pytest.param(("project_name=my.service",), "not a valid Python identifier", id="dot"),
    ],
)
def test_cli_refusal_is_one_readable_line_and_leaves_nothing(
    tmp_path: Path, answers: tuple[str, ...], message: str
) -> None:
    completed = run(cookiecutter_cli(tmp_path, *answers), tmp_path, timeout=120, check=False)
    assert completed.returncode != 0
    ours = [line for line in completed.stderr.splitlines() if line.startswith("ERROR: ")]
    assert len(ours) == 1, completed.stderr
    assert message in ours[0]
    assert "pass e.g. project_slug=" in ours[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_rejects_an_unknown_choice(tmp_path: Path) -> None:
    completed = run(
        cookiecutter_cli(tmp_path, "db_driver=mysql"), tmp_path, timeout=120, check=False
    )
    assert completed.returncode != 0
    assert "db_driver" in completed.stdout + completed.stderr
    assert list(tmp_path.iterdir()) == []
