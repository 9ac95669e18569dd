"""The dependency rule is enforced, not just documented.

The contracts live in pyproject.toml ([tool.importlinter]); these tests run
them, and prove they bite by planting a forbidden import in a copy of the code.
import-linter only forbids what it is told about, so an allowlist read from the
source with `ast` also pins what the inner layers may import at all.
"""

import ast
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
            "app/application/bus/errors.py",
            "import opentelemetry.trace",
            id="application-imports-opentelemetry",
        ),
        pytest.param(
            "app/interfaces/api/schemas/errors.py",
            "import app.infrastructure.clock",
            id="interfaces-import-infrastructure",
        ),
        pytest.param(
            "app/server/connection_limits.py",
            "import app.infrastructure.config",
            id="server-imports-infrastructure",
        ),
        pytest.param(
            "app/interfaces/api/schemas/errors.py",
            "import app.server.connection_limits",
            id="interfaces-import-server",
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


# --- allowlist: what the inner layers may import at all ---------------------------------------

# Package directory -> import roots it may use besides the standard library.
ALLOWLIST: dict[str, tuple[str, ...]] = {
    "app/domain": ("app.domain",),
    "app/application": ("pydantic", "app.domain", "app.application"),
}


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(root: Path, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `path`, relative ones resolved."""
    package = _module_name(root, path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def _is_allowed(module: str, allowed: tuple[str, ...]) -> bool:
    if module.partition(".")[0] in sys.stdlib_module_names:
        return True
    return any(module == root or module.startswith(f"{root}.") for root in allowed)


def foreign_imports(root: Path, package_dir: str, allowed: tuple[str, ...]) -> list[str]:
    """Every import under `package_dir` that is neither standard library nor allowed."""
    violations: list[str] = []
    for path in sorted((root / package_dir).rglob("*.py")):
        for line, module in _imported_modules(root, path):
            if not _is_allowed(module, allowed):
                violations.append(f"{path.relative_to(root)}:{line} imports {module}")
    return violations


@pytest.mark.parametrize("package_dir", list(ALLOWLIST))
def test_inner_layers_import_only_the_standard_library_and_what_they_may(
    package_dir: str,
) -> None:
    assert list((PROJECT_ROOT / package_dir).rglob("*.py")), "nothing was checked"
    assert foreign_imports(PROJECT_ROOT, package_dir, ALLOWLIST[package_dir]) == []


@pytest.mark.parametrize(
    ("package_dir", "module", "planted_import", "reported"),
    [
        pytest.param(
            "app/domain", "app/domain/errors.py", "import httpx", "httpx", id="domain-httpx"
        ),
        pytest.param(
            "app/domain",
            "app/domain/value_objects/email.py",
            "from pydantic import BaseModel",
            "pydantic",
            id="domain-pydantic",
        ),
        pytest.param(
            "app/domain",
            "app/domain/value_objects/email.py",
            "from ...application import bus",
            "app.application",
            id="domain-relative-import-of-application",
        ),
        pytest.param(
            "app/application",
            "app/application/bus/errors.py",
            "import sqlalchemy.orm",
            "sqlalchemy.orm",
            id="application-unknown-package",
        ),
        pytest.param(
            "app/application",
            "app/application/bus/errors.py",
            "from app.interfaces.api import errors",
            "app.interfaces.api",
            id="application-interfaces",
        ),
    ],
)
def test_a_planted_import_outside_the_allowlist_is_reported(
    tmp_path: Path, package_dir: str, module: str, planted_import: str, reported: str
) -> None:
    shutil.copytree(PROJECT_ROOT / "app", tmp_path / "app")
    target = tmp_path / module
    target.write_text(f"{planted_import}\n{target.read_text()}")

    violations = foreign_imports(tmp_path, package_dir, ALLOWLIST[package_dir])

    assert violations == [f"{module}:1 imports {reported}"]
