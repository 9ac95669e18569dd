"""Promises of the hooks: what is refused, what is pruned, what is written.

The first half calls the hook functions directly; the second half bakes through
pytest-cookies to show the same promises hold end to end.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.exceptions import FailedHookException

from hooks import answer_checks as checks
from hooks import post_gen_project as post
from hooks import pre_gen_project as pre
from hooks import pre_prompt as prompt
from tests.support import ROOT, bake_ok

GOOD_ANSWERS: dict[str, str] = {
    "project_name": "My Service",
    "project_slug": "my_service",
    "project_description": "A DDD + CQRS FastAPI service",
    "author": "Your Name",
    "python_version": "3.11",
    "db_driver": "postgresql",
    "use_docker": "true",
    "use_redis": "false",
}

# answer overrides -> a substring the one-line error message must contain
REFUSED = [
    pytest.param({"project_slug": "my-service"}, "not a valid Python identifier", id="slug-dash"),
    pytest.param({"project_slug": "my service"}, "not a valid Python identifier", id="slug-space"),
    pytest.param({"project_slug": "1service"}, "not a valid Python identifier", id="slug-digit"),
    pytest.param({"project_slug": ""}, "not a valid Python identifier", id="slug-empty"),
    pytest.param(
        {"project_slug": "caf\u00e9"}, "not a valid Python identifier", id="slug-non-ascii"
    ),
    pytest.param({"project_slug": "class"}, "is a Python keyword", id="slug-keyword"),
    pytest.param({"project_slug": "app"}, "clashes with the 'app' package", id="slug-app"),
    pytest.param({"project_slug": "tests"}, "clashes with the 'tests' package", id="slug-tests"),
    pytest.param({"project_slug": "fastapi"}, "'fastapi' package", id="slug-fastapi"),
    pytest.param({"project_slug": "FastAPI"}, "'fastapi' package", id="slug-fastapi-case"),
    pytest.param({"project_slug": "row_query"}, "'row_query' package", id="slug-row-query"),
    pytest.param({"project_slug": "jwt"}, "'jwt' package", id="slug-jwt"),
    pytest.param({"project_slug": "psycopg"}, "'psycopg' package", id="slug-psycopg"),
    pytest.param({"project_slug": "json"}, "standard library module 'json'", id="slug-stdlib"),
    pytest.param({"project_slug": "asyncio"}, "standard library module", id="slug-asyncio"),
    pytest.param({"project_name": ""}, "project_name is empty", id="name-empty"),
    pytest.param({"project_name": " \t\n"}, "project_name is empty", id="name-blank"),
    pytest.param({"python_version": "3.10"}, "python_version '3.10' is not supported", id="py310"),
    pytest.param({"db_driver": "mysql"}, "db_driver 'mysql' is not supported", id="db-mysql"),
    pytest.param({"use_docker": "yes"}, "use_docker 'yes' is not supported", id="docker-yes"),
    pytest.param({"use_docker": True}, "use_docker 'True' is not supported", id="docker-bool"),
]

# Refusals of free-text answers, which cookiecutter passes on for our checks to make.
HOOK_REFUSED = [p for p in REFUSED if str(p.id).startswith(("slug-", "name-"))]

# Answers that look dangerous but are legitimate names. Single braces only: cookiecutter
# itself renders `{{ }}` in --no-input values as Jinja before any hook runs.
NASTY_TEXT = [
    pytest.param('He said "hi"', id="double-quotes"),
    pytest.param("O'Brien's service", id="single-quote"),
    pytest.param('back\\slash \\" \\n', id="backslashes"),
    pytest.param("line one\nline two", id="newline"),
    pytest.param("triple \"\"\" and ''' quotes", id="triple-quotes"),
    pytest.param("{ braces } and }} and { {", id="braces"),
    pytest.param("sep\u2028arator\u2029", id="unicode-line-separators"),
    pytest.param("'); import os; os.system('touch /tmp/pwned') #", id="python-injection"),
    pytest.param('"); __import__("os").system("touch /tmp/pwned"); ("', id="dq-injection"),
    pytest.param("$(touch /tmp/pwned) `touch /tmp/pwned`", id="shell-injection"),
]


def answers(**overrides: Any) -> dict[str, Any]:
    return {**GOOD_ANSWERS, **overrides}


# --------------------------------------------------------------------------- pre-gen


def test_default_answers_are_accepted() -> None:
    assert pre.validate(GOOD_ANSWERS) == []


@pytest.mark.parametrize(("overrides", "message"), REFUSED)
def test_bad_answer_is_refused_with_a_reason(overrides: dict[str, Any], message: str) -> None:
    problems = pre.validate(answers(**overrides))
    assert problems, f"{overrides} was accepted"
    assert any(message in problem for problem in problems), problems


@pytest.mark.parametrize(("overrides", "message"), REFUSED)
def test_refusal_is_one_line_with_a_fix(
    overrides: dict[str, Any], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pre.main(answers(**overrides)) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("ERROR: ")
    assert any(hint in err for hint in ("pass ", "choose ")), err


@pytest.mark.parametrize("value", NASTY_TEXT)
def test_nasty_but_valid_names_are_accepted(value: str) -> None:
    assert pre.validate(answers(project_name=value, author=value)) == []


def test_hook_choices_match_cookiecutter_json() -> None:
    config = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    for question, allowed in pre.CHOICES.items():
        assert tuple(config[question]) == allowed, question


def test_the_answer_checks_run_last_while_prompting() -> None:
    """The checking variable comes after every answer, so it sees them all."""
    config = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    assert list(config)[-2:] == ["__answers_checked", "_extensions"]
    assert config["__answers_checked"] == "{{ cookiecutter | refuse_bad_answers }}"
    assert config["_extensions"] == ["hooks.answer_checks.AnswerChecks"]


@pytest.mark.parametrize(("overrides", "message"), REFUSED)
def test_the_prompt_time_check_raises_the_same_one_line(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(FailedHookException) as refused:
        checks.refuse_bad_answers(answers(**overrides))
    assert str(refused.value) == pre.refusal(answers(**overrides))
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_prompt_time_check_passes_good_answers() -> None:
    assert checks.refuse_bad_answers(GOOD_ANSWERS) == "yes"


def test_an_empty_name_is_reported_once_not_again_as_its_empty_slug() -> None:
    assert pre.validate(answers(project_name="", project_slug="")) == [
        'project_name is empty: pass a human-readable name, e.g. project_name="My Service"'
    ]


def test_slug_suggestions_are_transliterated() -> None:
    problem = pre.check_slug(answers(project_slug="Caf\u00e9-\u00dcn\u00efcode"))
    assert problem is not None
    assert problem.endswith("pass e.g. project_slug=cafe_unicode_service")


# --------------------------------------------------------------------------- pre-prompt

CONFIG = {
    "project_name": "My Service",
    "db_driver": ["postgresql", "sqlite"],
    "_extensions": ["hooks.answer_checks.AnswerChecks"],
}


@pytest.mark.parametrize(
    ("words", "admitted", "choices"),
    [
        pytest.param(
            ["db_driver=mysql"], ["db_driver=mysql"], ["postgresql", "sqlite", "mysql"], id="new"
        ),
        pytest.param(["_extensions=evil.Mod"], [], ["postgresql", "sqlite"], id="private-key"),
        pytest.param(["db_driver=sqlite"], [], ["postgresql", "sqlite"], id="known-value"),
        pytest.param(["project_name=x"], [], ["postgresql", "sqlite"], id="free-text"),
        pytest.param(["--db_driver=mysql"], [], ["postgresql", "sqlite"], id="an-option"),
        pytest.param(["db_driver"], [], ["postgresql", "sqlite"], id="no-value"),
        pytest.param(["colour=red"], [], ["postgresql", "sqlite"], id="unknown-question"),
    ],
)
def test_pre_prompt_admits_only_unknown_choice_answers(
    words: list[str], admitted: list[str], choices: list[str]
) -> None:
    config = json.loads(json.dumps(CONFIG))
    assert prompt.admit_unknown_choices(config, words) == admitted
    assert config["db_driver"] == choices
    assert config["project_name"] == "My Service"
    assert config["_extensions"] == ["hooks.answer_checks.AnswerChecks"]


def test_pre_prompt_reads_a_real_process_command_line() -> None:
    waiter = "import sys; print('ready', flush=True); sys.stdin.read()"
    process = subprocess.Popen(
        [sys.executable, "-c", waiter, "db_driver=my sql"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        words = prompt.parent_command_line(process.pid)
    finally:
        process.communicate(b"", timeout=10)
    assert words[-1] == "db_driver=my sql"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param("db_driver=mysql", ["postgresql", "sqlite", "mysql"], id="admits"),
        pytest.param("db_driver=sqlite", None, id="leaves-the-file-alone"),
    ],
)
def test_the_pre_prompt_hook_reads_the_command_line_of_its_parent(
    tmp_path: Path, answer: str, expected: list[str] | None
) -> None:
    """As under cookiecutter: the hook is a child of the process holding the answers."""
    original = '{"db_driver": ["postgresql", "sqlite"]}'
    (tmp_path / "cookiecutter.json").write_text(original, encoding="utf-8")
    hook = ROOT / "hooks" / "pre_prompt.py"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, {str(hook)!r}], check=True)"
    subprocess.run([sys.executable, "-c", parent, answer], cwd=tmp_path, check=True, timeout=60)
    text = (tmp_path / "cookiecutter.json").read_text(encoding="utf-8")
    if expected is None:
        assert text == original
    else:
        assert json.loads(text)["db_driver"] == expected


def test_cookiecutter_json_has_exactly_the_spec_variables() -> None:
    config = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    public = {key: value for key, value in config.items() if not key.startswith("_")}
    assert public == {
        "project_name": "My Service",
        "project_slug": "{{ cookiecutter.project_name | slugify(separator='_') }}",
        "project_description": "A DDD + CQRS FastAPI service",
        "author": "Your Name",
        "python_version": ["3.11", "3.12", "3.13"],
        "db_driver": ["postgresql", "sqlite"],
        "use_docker": ["true", "false"],
        "use_redis": ["false", "true"],
    }


# --------------------------------------------------------------------------- post-gen


# What a bake without Redis drops (use_redis=false, or the question unanswered).
REDIS_ONLY = {
    "app/infrastructure/redis",
    "app/application/ports/event_consumer.py",
    "tests/redis_server.py",
    "tests/integration/test_redis_throttle_store.py",
    "tests/integration/test_redis_settings.py",
    "tests/integration/test_redis_event_stream.py",
    "tests/redis_fault_proxy.py",
    "tests/events/test_redis_event_failures.py",
    "tests/contract/test_redis_outage.py",
    "tests/contract/test_redis_shared_counters.py",
    "tests/server/test_shared_rate_limits.py",
}


# What a SQLite bake drops.
POSTGRESQL_ONLY = {
    "tests/postgres_server.py",
    "tests/postgres_replica.py",
    "tests/contract/test_postgresql_faults.py",
    "tests/contract/test_read_replica.py",
    "app/infrastructure/db/postgresql_connection.py",
    "app/infrastructure/db/retrying_reader.py",
    "app/infrastructure/db/sql_replica_probe.py",
    "app/infrastructure/sql/health/in_recovery.sql",
}


@pytest.mark.parametrize(
    ("overrides", "pruned"),
    [
        pytest.param(
            {"db_driver": "postgresql", "use_docker": "true", "use_redis": "true"},
            {
                "tests/server/test_per_process_rate_limits.py",
                "app/infrastructure/db/sqlite_connection.py",
                "app/infrastructure/db/sqlite_database_file.py",
                "tests/contract/test_sqlite_file_faults.py",
                "tests/contract/test_sqlite_lock_wait.py",
            },
            id="postgresql-docker-redis",
        ),
        pytest.param(
            {"db_driver": "postgresql", "use_docker": "true"},
            REDIS_ONLY
            | {
                "app/infrastructure/db/sqlite_connection.py",
                "app/infrastructure/db/sqlite_database_file.py",
                "tests/contract/test_sqlite_file_faults.py",
                "tests/contract/test_sqlite_lock_wait.py",
            },
            id="postgresql-docker",
        ),
        pytest.param(
            {"db_driver": "sqlite", "use_docker": "true"},
            REDIS_ONLY | POSTGRESQL_ONLY,
            id="sqlite-docker",
        ),
        pytest.param(
            {"db_driver": "sqlite", "use_docker": "false"},
            REDIS_ONLY
            | POSTGRESQL_ONLY
            | {
                "Dockerfile",
                ".dockerignore",
                "docker-compose.yml",
                "docker-compose.dev.yml",
                "docker-compose.stage.yml",
                "docker-compose.prod.yml",
                "docker",
            },
            id="sqlite-nodocker",
        ),
    ],
)
def test_pruning_table_selects_paths_per_variant(
    overrides: dict[str, str], pruned: set[str]
) -> None:
    assert set(post.paths_to_prune(answers(**overrides))) == pruned


def test_every_variant_specific_row_names_a_question_and_a_choice() -> None:
    for row in post.PRUNING_TABLE:
        assert row.value in pre.CHOICES[row.question], row


def test_prune_removes_files_dirs_and_emptied_parents(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "entrypoint.sh").write_text("#!/bin/sh\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "only.py").write_text("x = 1\n")
    (tmp_path / "a" / "keep.py").write_text("y = 2\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")

    removed = post.prune(tmp_path, ["docker", "a/b/only.py", "Dockerfile", "not/there.txt"])

    assert {path.relative_to(tmp_path).as_posix() for path in removed} == {
        "docker",
        "a/b/only.py",
        "Dockerfile",
    }
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "a",
        "a/keep.py",
    ]


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        pytest.param(
            "A=1\nJWT_SECRET_KEY=change-me\nB=2\n", "A=1\nJWT_SECRET_KEY=S\nB=2\n", id="replace"
        ),
        pytest.param("JWT_SECRET_KEY=\n", "JWT_SECRET_KEY=S\n", id="replace-empty"),
        pytest.param("export JWT_SECRET_KEY='x'\n", "JWT_SECRET_KEY=S\n", id="replace-export"),
        pytest.param("A=1", "A=1\nJWT_SECRET_KEY=S\n", id="append-no-newline"),
        pytest.param("", "JWT_SECRET_KEY=S\n", id="append-empty"),
        pytest.param(
            "# JWT_SECRET_KEY=doc\n", "# JWT_SECRET_KEY=doc\nJWT_SECRET_KEY=S\n", id="comment-kept"
        ),
    ],
)
def test_render_env_sets_exactly_one_secret(example: str, expected: str) -> None:
    assert post.render_env(example, "S") == expected


def test_render_env_keeps_backslashes_in_the_secret_literal() -> None:
    assert post.render_env("JWT_SECRET_KEY=x\n", r"a\1b\g<0>") == "JWT_SECRET_KEY=a\\1b\\g<0>\n"


def test_write_env_uses_a_fresh_random_key(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("JWT_SECRET_KEY=change-me\nLOG_LEVEL=INFO\n")
    env_file = post.write_env(tmp_path)
    assert env_file is not None
    lines = env_file.read_text().splitlines()
    assert lines[1] == "LOG_LEVEL=INFO"
    key = lines[0].removeprefix("JWT_SECRET_KEY=")
    assert len(key.encode()) >= 32
    assert key != "change-me"
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"


def test_write_env_never_overwrites_an_existing_env(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("JWT_SECRET_KEY=change-me\n")
    (tmp_path / ".env").write_text("JWT_SECRET_KEY=mine\n")
    assert post.write_env(tmp_path) is None
    assert (tmp_path / ".env").read_text() == "JWT_SECRET_KEY=mine\n"


def test_write_env_without_example_writes_nothing(tmp_path: Path) -> None:
    assert post.write_env(tmp_path) is None
    assert not (tmp_path / ".env").exists()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(None, ".env\n", id="missing-file"),
        pytest.param("", ".env\n", id="empty-file"),
        pytest.param("*.db", "*.db\n.env\n", id="no-trailing-newline"),
        pytest.param(".env.example\n", ".env.example\n.env\n", id="similar-entry"),
        pytest.param(".venv/\n.env\n", ".venv/\n.env\n", id="already-listed"),
        pytest.param("/.env\n", "/.env\n", id="already-anchored"),
    ],
)
def test_ensure_gitignored(tmp_path: Path, before: str | None, after: str) -> None:
    if before is not None:
        (tmp_path / ".gitignore").write_text(before)
    post.ensure_gitignored(tmp_path)
    assert (tmp_path / ".gitignore").read_text() == after


@pytest.mark.parametrize(
    ("overrides", "present", "absent"),
    [
        pytest.param(
            {"use_docker": "true", "db_driver": "postgresql"},
            ["cd my_service", "python -m app migrate", "docker compose", "DATABASE_URL", "/docs"],
            [],
            id="postgresql-docker",
        ),
        pytest.param(
            {"use_docker": "false", "db_driver": "sqlite"},
            [
                "cd my_service",
                "uv pip install -e '.[dev]'",
                "python -m app migrate",
                "app serve",
                "python -m app relay-events",
            ],
            ["docker", "DATABASE_URL", "consume-events"],
            id="sqlite-nodocker",
        ),
        pytest.param(
            {"use_docker": "false", "db_driver": "sqlite", "use_redis": "true"},
            [
                "(sqlite, with Redis)",
                "REDIS_URL",
                "python -m app migrate",
                "python -m app consume-events",
            ],
            ["docker", "DATABASE_URL"],
            id="sqlite-nodocker-redis",
        ),
    ],
)
def test_next_steps_fit_the_variant(
    overrides: dict[str, str], present: list[str], absent: list[str]
) -> None:
    text = post.next_steps(answers(**overrides), "my_service")
    for needle in present:
        assert needle in text
    for needle in absent:
        assert needle.lower() not in text.lower()


def test_next_steps_quote_a_directory_the_shell_would_split() -> None:
    assert "\n  cd 'my projects/my_service'\n" in post.next_steps(
        GOOD_ANSWERS, "my projects/my_service"
    )


@pytest.mark.parametrize(
    ("started_in", "expected"),
    [
        pytest.param("/work", "out/my_service", id="below"),
        pytest.param("/work/out/my_service", ".", id="inside"),
        pytest.param("/elsewhere", "/work/out/my_service", id="elsewhere-absolute"),
        pytest.param(None, "/work/out/my_service", id="unknown"),
        pytest.param("relative", "/work/out/my_service", id="bogus"),
    ],
)
def test_next_steps_name_the_directory_from_where_the_user_stands(
    started_in: str | None, expected: str
) -> None:
    location = post.where_the_user_is(Path("/work/out/my_service"), started_in)
    assert location == expected
    assert f"  cd {expected}\n" in post.next_steps(GOOD_ANSWERS, location)


# --------------------------------------------------------------------------- through cookiecutter


def leftovers(tmp_path: Path) -> list[str]:
    """What a bake left in the `cookies` fixture's output dirs (tmp_path/cookies/bakeNN)."""
    return sorted(
        path.relative_to(tmp_path).as_posix()
        for bake_dir in (tmp_path / "cookies").glob("bake*")
        for path in bake_dir.rglob("*")
    )


@pytest.mark.parametrize(("overrides", "message"), HOOK_REFUSED)
def test_refused_bake_leaves_nothing_behind(
    cookies: Any, tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    context = {"project_slug": "my_service", **overrides}
    result = cookies.bake(extra_context=context)
    exit_code, exception = result.exit_code, result.exception
    assert exit_code != 0
    assert type(exception).__name__ == "FailedHookException"
    assert result.project_path is None
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("question", "value"),
    [
        pytest.param("python_version", "3.10", id="python_version"),
        pytest.param("db_driver", "mysql", id="db_driver"),
        pytest.param("use_docker", "yes", id="use_docker"),
    ],
)
def test_out_of_choice_answer_is_refused_before_anything_is_written(
    cookies: Any, tmp_path: Path, question: str, value: str
) -> None:
    # Through the Python API cookiecutter checks choice variables itself, before any
    # hook runs (tests/test_cli.py shows the command line's one-line refusal).
    result = cookies.bake(extra_context={question: value})
    exit_code, exception = result.exit_code, result.exception
    assert exit_code != 0
    assert exception is not None
    assert question in str(exception)
    assert result.project_path is None
    assert leftovers(tmp_path) == []


@pytest.fixture
def pwned_marker() -> Path:
    marker = Path("/tmp/pwned")
    if marker.exists():
        marker.unlink()
    return marker


@pytest.mark.parametrize("value", NASTY_TEXT)
def test_nasty_names_bake_verbatim_and_execute_nothing(
    cookies: Any, value: str, pwned_marker: Path
) -> None:
    project = bake_ok(
        cookies,
        project_name=value,
        author=value,
        project_description=value,
        project_slug="nasty",
    )
    assert not pwned_marker.exists(), "a hook executed an answer"
    assert project.context["project_name"] == value
    metadata = tomllib.loads((project.path / "pyproject.toml").read_text(encoding="utf-8"))
    assert metadata["project"]["name"] == "nasty"
    assert metadata["project"]["description"] == value
    assert metadata["project"]["authors"] == [{"name": value}]
    # Every Python file still parses, and the service's name is the answer, verbatim.
    for source in project.path.rglob("*.py"):
        ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    assert service_name_default(project.path / "app/infrastructure/config.py") == value
    assert not pwned_marker.exists(), "parsing the project executed an answer"


def service_name_default(config: Path) -> object:
    """The literal default of Settings.app_name, read without importing the project."""
    for node in ast.walk(ast.parse(config.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "app_name":
            assert node.value is not None
            return ast.literal_eval(node.value)
    raise AssertionError("Settings.app_name not found")


def test_hook_scripts_run_standalone_when_rendered(tmp_path: Path) -> None:
    """Render a hook the way cookiecutter does and run it with a hostile answer."""
    from cookiecutter.environment import StrictEnvironment

    context = {"cookiecutter": answers(project_name='x\'); raise SystemExit(7) #\n"""')}
    source = (ROOT / "hooks" / "pre_gen_project.py").read_text(encoding="utf-8")
    script = tmp_path / "pre.py"
    script.write_text(StrictEnvironment(context=context).from_string(source).render(**context))
    completed = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert completed.returncode == 0, completed.stderr
