"""The hooks of decorated_functions.py still fit the pinned mutmut.

They replace two of mutmut's internals; a mutmut release that renames or reshapes them
would quietly put the handlers back out of scope, so this mutates a small module with
and without the hooks, and reads what comes out.
"""

from collections.abc import Iterator

import pytest
from mutmut.mutation import file_mutation

from . import decorated_functions

SOURCE = """
@command_handler(Login)
async def handle_login(command, uow):
    return command.attempts + 1


@cache
def cached(value):
    return value + 1


def plain(value):
    return value + 1
"""


@pytest.fixture
def hooks() -> Iterator[None]:
    saved = (
        file_mutation.MutationVisitor._skip_node_and_children,
        file_mutation.function_trampoline_arrangement,
    )
    decorated_functions.allow()
    yield
    (
        file_mutation.MutationVisitor._skip_node_and_children,  # type: ignore[method-assign]
        file_mutation.function_trampoline_arrangement,
    ) = saved


def _mutated_functions(code: str) -> set[str]:
    mutated = file_mutation.mutate_file_contents("module.py", code)
    return {name.split("__mutmut_")[0] for name in mutated.mutant_names}


def test_mutmut_alone_skips_the_handler() -> None:
    assert _mutated_functions(SOURCE) == {"x_plain"}


@pytest.mark.usefixtures("hooks")
def test_with_the_hooks_the_handler_is_mutated_and_other_decorators_still_skipped() -> None:
    assert _mutated_functions(SOURCE) == {"x_plain", "x_handle_login"}


@pytest.mark.usefixtures("hooks")
def test_only_the_trampoline_keeps_the_marker() -> None:
    lines = file_mutation.mutate_file_contents("module.py", SOURCE).code.splitlines()
    trampoline = lines.index("async def handle_login(command, uow):")
    copies = [i for i, line in enumerate(lines) if line.startswith("async def x_handle_login_")]

    assert sum(line == "@command_handler(Login)" for line in lines) == 1
    assert "@command_handler(Login)" in lines[trampoline - 2 : trampoline]
    assert len(copies) == 3, "the original and two mutants"
    assert all(not lines[i - 1].startswith("@") for i in copies)
