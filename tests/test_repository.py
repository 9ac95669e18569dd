"""Promises about the template repository itself (not about baked projects)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, run

TEMPLATE_VENV_BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("ruff", "check", "."), id="ruff-check"),
        pytest.param(("ruff", "format", "--check", "."), id="ruff-format"),
        pytest.param(("mypy",), id="mypy"),
    ],
)
def test_template_code_is_clean(command: tuple[str, ...]) -> None:
    run([TEMPLATE_VENV_BIN / command[0], *command[1:]], ROOT, timeout=300)


@pytest.mark.parametrize("target", ["demo", "test", "lint", "mutation", "clean"])
def test_makefile_has_target(target: str) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^{target}:", makefile, re.MULTILINE)


def test_ci_entry_point_is_executable_and_strict() -> None:
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    text = script.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert "CI=true make test" in text


def test_license_is_mit_with_our_copyright() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 The fastapi-ddd-template authors" in text
