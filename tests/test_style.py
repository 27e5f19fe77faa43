"""The code stays clean: ruff clean and formatted, SQL clean under sqlfluff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["ruff", "check", "."], id="ruff-check"),
        pytest.param(["ruff", "format", "--check", "."], id="ruff-format"),
        # sqlfluff takes about ten seconds
        pytest.param(
            ["sqlfluff", "lint", "storemon/engine/sql"], id="sqlfluff", marks=pytest.mark.slow
        ),
    ],
)
def test_linter_is_clean(command: list[str]):
    tool = BIN / command[0]
    if not tool.exists():
        pytest.skip(f"{command[0]} is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [str(tool), *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
