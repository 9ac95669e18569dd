"""mutmut's command line, with the decorated handlers in scope and a per-module report.

`python -m tests.mutation run` mutates what `[tool.mutmut]` in pyproject.toml names and
runs the tests on each mutant; `results`, `show NAME` and `browse` are mutmut's own;
`report` scores each module (report.py).
"""

from mutmut.__main__ import cli

from . import decorated_functions
from .report import report

decorated_functions.allow()
cli.add_command(report)

if __name__ == "__main__":
    cli()
