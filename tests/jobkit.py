"""Helpers of the report-job tests: a small real data set, its expected report, processes.

Servers and waiting live in ``live_servers``; processes are seen through
:mod:`storemon.jobs.process`, the code the jobs themselves use.
"""

from __future__ import annotations

from pathlib import Path

from storemon.engine.ingest import ingest
from storemon.engine.report import compute_report, write_report_csv
from storemon.jobs.process import child_pids, pid_alive
from storemon.synthetic.generate import generate

# Small enough that a report job is dominated by the kernel start, big enough to be realistic.
STORES = 40
DAYS = 8
START = "2024-10-29T00:00:00Z"
LATER_START = "2024-10-30T00:00:00Z"  # a second export, a day later, for the ingest tests

# The tests' names for the jobs' own process helpers.
alive = pid_alive
children = child_pids


def make_database(folder: Path, start: str = START, seed: int = 0) -> Path:
    """Generate exports into ``folder/raw`` and ingest them into ``folder/storemon.duckdb``."""
    raw = folder / f"raw-{seed}-{start[:10]}"
    generate(raw, stores=STORES, days=DAYS, start=start, seed=seed)
    database = folder / "storemon.duckdb"
    ingest(raw, database)
    return database


def add_export(database: Path, folder: Path, start: str = LATER_START) -> None:
    """Ingest a later export into ``database`` (what an hourly load does)."""
    raw = folder / f"raw-later-{start[:10]}"
    generate(raw, stores=STORES, days=DAYS, start=start, seed=0)
    ingest(raw, database)


def expected_csv(
    source: Path, tmp: Path, as_of: str | None = None, method: str = "nearest"
) -> bytes:
    """The report's CSV bytes as the engine writes them, for byte-for-byte comparison."""
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"expected-{method}-{(as_of or 'latest').replace(':', '')}.csv"
    write_report_csv(compute_report(source, as_of=as_of, method=method), path)
    return path.read_bytes()
