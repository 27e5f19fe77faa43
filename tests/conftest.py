"""Shared fixtures: the small export folders in tests/fixtures and databases loaded from them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from storemon.engine import db
from storemon.engine.load import load_folder

FIXTURES = Path(__file__).parent / "fixtures"
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"

# tests import their helpers (reference, cases) as top-level modules
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated fleet (tests/jobkit.py) ingested into a database, once per module."""
    from jobkit import make_database

    return make_database(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def expected(database: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The report CSV of ``database`` as compute_report writes it: what every job must give."""
    from jobkit import expected_csv

    return expected_csv(database, tmp_path_factory.mktemp("expected"))


@pytest.fixture(scope="module")
def api(fleet: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real API server on 127.0.0.1 over the module's own ``fleet`` fixture; yields its URL."""
    from live_servers import api_server

    with api_server(fleet, tmp_path_factory.mktemp("reports")) as url:
        yield url


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
