"""The command line users type works, not only the Python API pytest-cookies uses.

`use_docker=false` from the CLI is the classic failure of templates whose choices are
JSON booleans; here the choices are strings, and this proves it end to end. Every
refusal, including the ones cookiecutter itself would make with a traceback (a choice
outside its list), is one line of output and leaves nothing behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import clean_env, run, template_under_test

# The console script users run, installed next to this interpreter by `make test`.
CLI = [str(Path(sys.executable).with_name("cookiecutter"))]


def shell_env(cwd: Path) -> dict[str, str]:
    """The environment a shell in ``cwd`` gives its commands: PWD names the directory."""
    return clean_env({"PWD": str(cwd)})


def cookiecutter_cli(output_dir: Path, *answers: str) -> list[str]:
    return [
        *CLI,
        str(template_under_test()),
        "--no-input",
        "--output-dir",
        str(output_dir),
        *answers,
    ]


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(("use_docker=false", "db_driver=sqlite"), id="sqlite-nodocker"),
        pytest.param(("use_docker=true", "db_driver=postgresql"), id="postgresql-docker"),
        pytest.param(("project_name=Billing Api", "python_version=3.13"), id="name-and-python"),
    ],
)
def test_cli_bakes(tmp_path: Path, answers: tuple[str, ...]) -> None:
    completed = run(
        cookiecutter_cli(tmp_path, *answers), tmp_path, env=shell_env(tmp_path), timeout=120
    )
    baked = [path.name for path in tmp_path.iterdir()]
    assert len(baked) == 1, baked
    assert (tmp_path / baked[0] / ".env").is_file()
    assert "Next steps" in completed.stdout
    assert f"cd {baked[0]}" in completed.stdout


def test_cli_next_steps_name_the_directory_the_project_is_in(tmp_path: Path) -> None:
    """`make demo` bakes into build/: the printed `cd` must lead there."""
    completed = run(
        cookiecutter_cli(Path("build/demo")), tmp_path, env=shell_env(tmp_path), timeout=120
    )
    assert (tmp_path / "build/demo/my_service/.env").is_file()
    assert "\n  cd build/demo/my_service\n" in completed.stdout


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        pytest.param("Billing-Api Service", "billing_api_service", id="dash-and-space"),
        pytest.param("Caf\u00e9 \u00dcn\u00efcode", "cafe_unicode", id="transliterated"),
        pytest.param("  Stra\u00dfe: API v2!  ", "strasse_api_v2", id="punctuation"),
    ],
)
def test_cli_derives_the_slug_from_the_name(tmp_path: Path, name: str, slug: str) -> None:
    run(cookiecutter_cli(tmp_path, f"project_name={name}"), tmp_path, timeout=120)
    assert [path.name for path in tmp_path.iterdir()] == [slug]


def output_lines(completed: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (completed.stdout + completed.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param(("project_slug=class",), "project_slug 'class' is a Python keyword", id="kw"),
        pytest.param(("project_name=FastAPI",), "clashes with", id="derived-slug-collides"),
        pytest.param(("project_name=json",), "standard library module 'json'", id="stdlib"),
        pytest.param(("project_slug=my.service",), "not a valid Python identifier", id="dot"),
        pytest.param(("project_name=",), "project_name is empty", id="empty-name"),
        pytest.param(("project_name= ",), "project_name is empty", id="blank-name"),
        pytest.param(("db_driver=mysql",), "db_driver 'mysql' is not supported", id="driver"),
        pytest.param(("python_version=3.10",), "choose one of 3.11, 3.12, 3.13", id="python"),
        pytest.param(("use_docker=yes",), "use_docker 'yes' is not supported", id="docker"),
        pytest.param(
            ("db_driver=mysql", "project_slug=class"), "; db_driver 'mysql'", id="two-at-once"
        ),
    ],
)
def test_cli_refusal_is_one_readable_line_and_leaves_nothing(
    tmp_path: Path, answers: tuple[str, ...], message: str
) -> None:
    # The output directory is the working directory and exists, as when a user bakes
    # into `.`: an empty name must still get our line, not "directory already exists".
    here, temp = tmp_path / "here", tmp_path / "temp"
    here.mkdir()
    temp.mkdir()
    env = {**shell_env(here), "TMPDIR": str(temp)}
    completed = run(cookiecutter_cli(Path(), *answers), here, env=env, timeout=120, check=False)
    assert completed.returncode == 1
    lines = output_lines(completed)
    assert len(lines) == 1, lines
    assert lines[0].startswith("ERROR: ")
    assert message in lines[0]
    assert ": pass " in lines[0] or ": choose " in lines[0]  # says what to do instead
    assert list(here.iterdir()) == []
    # Nor a copy of the template: cookiecutter makes one for the pre-prompt hook.
    assert list(temp.iterdir()) == []


REPLAYED = {
    "project_name": "Replayed",
    "project_slug": "replayed",
    "project_description": "d",
    "author": "a",
    "python_version": "3.11",
    "db_driver": "sqlite",
    "use_docker": "false",
    "use_redis": "false",
}


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        pytest.param({}, None, id="good"),
        pytest.param(
            {"project_slug": "class"}, "project_slug 'class' is a Python keyword", id="bad"
        ),
    ],
)
def test_a_replay_file_bakes_or_is_refused_by_the_pre_gen_hook(
    tmp_path: Path, overrides: dict[str, str], refused: str | None
) -> None:
    """A replay written before the prompt-time check existed lacks its variable."""
    replay = tmp_path / "replay.json"
    context = {**REPLAYED, **overrides, "_template": str(template_under_test())}
    replay.write_text(json.dumps({"cookiecutter": context, "_cookiecutter": context}))
    out = tmp_path / "out"
    argv = [
        *CLI,
        str(template_under_test()),
        "--replay-file",
        str(replay),
        "--output-dir",
        str(out),
    ]
    completed = run(argv, tmp_path, env=shell_env(tmp_path), timeout=120, check=refused is None)
    if refused is None:
        assert (out / "replayed" / ".env").is_file()
    else:
        assert completed.returncode == 1
        assert refused in completed.stderr
        assert not out.exists() or list(out.iterdir()) == []
