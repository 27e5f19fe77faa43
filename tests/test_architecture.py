"""The architecture as checks: the import layers of pyproject.toml, and the size limits."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "storemon"
BIN = Path(sys.executable).parent

# Small modules, classes and functions: a reader holds one in mind at once.
MODULE_LINES = 400
CLASS_LINES = 300
FUNCTION_LINES = 80


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_import_contracts_are_kept():
    result = subprocess.run(
        [str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(result.stdout[result.stdout.find("Broken contracts") :] + result.stderr)


def test_contracts_place_every_part_of_the_package():
    contracts = _contracts()
    placed = {name.strip() for layer in contracts["layers"]["layers"] for name in layer.split("|")}
    placed |= set(contracts["foundation"]["source_modules"])
    parts = {
        f"storemon.{path.stem if path.is_file() else path.name}"
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    assert parts - placed == set(), "place these in pyproject.toml's [tool.importlinter]"
    # the foundation may import no other part of storemon
    assert set(contracts["foundation"]["forbidden_modules"]) == parts - set(
        contracts["foundation"]["source_modules"]
    )


def _sizes() -> list[tuple[str, str, int]]:
    """(kind, where, lines) of every module, class and function under storemon/."""
    sizes = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT).as_posix()
        sizes.append(("module", where, len(source.splitlines())))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                kind = "class"
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                kind = "function"
            else:
                continue
            lines = node.end_lineno - node.lineno + 1  # the def/class line to the last line
            sizes.append((kind, f"{where}:{node.lineno} {node.name}", lines))
    return sizes


@pytest.mark.parametrize(
    ("kind", "limit"),
    [("module", MODULE_LINES), ("class", CLASS_LINES), ("function", FUNCTION_LINES)],
)
def test_size_limit(kind: str, limit: int):
    offenders = [f"{where}: {n} lines" for k, where, n in _sizes() if k == kind and n > limit]
    if offenders:
        pytest.fail(f"over {limit} lines ({kind}):\n" + "\n".join(offenders), pytrace=False)
