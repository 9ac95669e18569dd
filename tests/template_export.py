"""Copy this repository's template without what .gitignore keeps out of a clone.

Cookiecutter copies the whole template directory for its pre-prompt hook before every
bake. Baking from a checkout would copy .venv-template, .venv-bootstrap and build/
(hundreds of megabytes) each time, so `make demo` and the template tests bake from such
an export instead: what a clone holds, with no git needed.

    python -m tests.template_export TARGET_DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ignored_names(root: Path = ROOT) -> list[str]:
    """The .gitignore patterns as shutil.ignore_patterns names, plus .git itself.

    Anchored patterns (`/build/`) lose their anchor: none of those names occurs deeper
    in the template.
    """
    lines = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip().strip("/") for line in lines]
    return [".git", *(pattern for pattern in patterns if pattern and not pattern.startswith("#"))]


def export_template(target: Path, root: Path = ROOT) -> Path:
    """Replace ``target`` with a fresh copy of the template at ``root``."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(root, target, ignore=shutil.ignore_patterns(*ignored_names(root)))
    return target


if __name__ == "__main__":
    print(export_template(Path(sys.argv[1]).resolve()))
