"""Shared fixtures: the small export folders in tests/fixtures and databases loaded from them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from storemon import db
from storemon.load import load_folder

FIXTURES = Path(__file__).parent / "fixtures"
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"

# tests import their helpers (reference, cases) as top-level modules
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def export_2023(tmp_path: Path) -> Path:
    """A copy of the 2023-style export (numeric ids, `day` column, ` UTC` times, bad rows)."""
    return Path(shutil.copytree(FIXTURES / "export_2023", tmp_path / "export_2023"))


@pytest.fixture
def export_2024(tmp_path: Path) -> Path:
    """A copy of the 2024-style export (UUIDs, `dayOfWeek`, BOM, CRLF, no final newline)."""
    return Path(shutil.copytree(FIXTURES / "export_2024", tmp_path / "export_2024"))


@pytest.fixture
def loaded_2023(export_2023: Path):
    """An in-memory DuckDB loaded from the 2023-style export."""
    con = db.connect()
    summary = load_folder(con, export_2023)
    yield con, summary
    con.close()
