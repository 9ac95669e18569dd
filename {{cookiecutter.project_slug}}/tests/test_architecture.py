"""The dependency rule is enforced, not just documented.

The contracts live in pyproject.toml ([tool.importlinter]); these tests run
them, and prove they bite by planting a forbidden import in a copy of the code.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_layers_keep_their_contracts() -> None:
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "forbidden_import"),
    [
        pytest.param("app/domain/errors.py", "import pydantic", id="domain-imports-pydantic"),
        pytest.param(
            "app/domain/errors.py", "import app.application.bus", id="domain-imports-application"
        ),
        pytest.param(
            "app/application/bus/errors.py", "import fastapi", id="application-imports-fastapi"
        ),
        pytest.param(
            "app/application/bus/errors.py",
            "import app.infrastructure.clock",
            id="application-imports-infrastructure",
        ),
        pytest.param(
            "app/interfaces/api/schemas/errors.py",
            "import app.infrastructure.clock",
            id="interfaces-import-infrastructure",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, forbidden_import: str
) -> None:
    shutil.copytree(PROJECT_ROOT / "app", tmp_path / "app")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(f"{forbidden_import}\n{target.read_text()}")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
