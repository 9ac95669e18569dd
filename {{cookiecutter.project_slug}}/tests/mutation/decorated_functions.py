"""Lets mutmut mutate the functions under this project's marking decorators.

mutmut skips every decorated function but staticmethods and classmethods, because a
decorator could run twice or cache the copies it makes of the function. That would
leave out each `@command_handler`, `@query_handler`, `@event_handler` and `@property`,
which is where most of the rules live. These decorators are safe to keep on mutmut's
trampoline: the bus markers only tag the function they return, and a property only
wraps it. The copies mutmut makes of the body (the original and each mutant) drop them,
so the bus finds one handler per message and a property's copy stays callable; the
trampoline keeps the signature (functools.wraps), from which the buses inject.

Both hooks are mutmut internals, which is why pyproject.toml pins mutmut exactly.
"""

from collections.abc import Sequence
from typing import Any

import libcst as cst
from libcst.metadata import PositionProvider
from mutmut.mutation import file_mutation

MUTABLE_UNDER = frozenset({"command_handler", "query_handler", "event_handler", "property"})

_skip = file_mutation.MutationVisitor._skip_node_and_children
_arrange = file_mutation.function_trampoline_arrangement


def allow() -> None:
    file_mutation.MutationVisitor._skip_node_and_children = _skip_node_and_children  # type: ignore[method-assign]
    file_mutation.function_trampoline_arrangement = _function_trampoline_arrangement


def _decorator_name(decorator: cst.Decorator) -> str:
    node = decorator.decorator
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


def _only_marked(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.FunctionDef)
        and bool(node.decorators)
        and all(_decorator_name(d) in MUTABLE_UNDER for d in node.decorators)
    )


def _skip_node_and_children(self: Any, node: cst.CSTNode) -> bool:
    if not _skip(self, node):
        return False
    if not isinstance(node, cst.FunctionDef) or not _only_marked(node):
        return True
    # Skipped for its decorators alone, or also for a pragma or a reserved name?
    position = self.get_metadata(PositionProvider, node, None)
    pragma = position is not None and position.start.line in self._ignored_node_lines
    return pragma or node.name.value in file_mutation.NEVER_MUTATE_FUNCTION_NAMES


def _function_trampoline_arrangement(
    function: cst.FunctionDef, mutants: Any, class_name: str | None
) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any], Sequence[str]]:
    declarations, methods, assignments, names = _arrange(function, mutants, class_name)
    if not _only_marked(function):
        return declarations, methods, assignments, names
    trampoline, *copies = methods
    bare = [copy.with_changes(decorators=()) for copy in copies]
    return declarations, [trampoline, *bare], assignments, names
