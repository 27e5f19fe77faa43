"""A folder of exports and the database ingested from it give byte-identical reports: at the real
fleet's size (1x, the benchmark's data), and on a sample shaped like 10x (the same polls per
store, its status file staged in as many pieces as 10x's 1 GB file, each split into lines by
DuckDB's parallel CSV scanner), whole or in pieces."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from storemon.engine import reader, registry
from storemon.engine.ingest import ingest
from storemon.engine.report import compute_report, report_csv_bytes
from storemon.synthetic.generate import generate

TENX_PIECES = 4  # 10x's status file (1.07 GB) is cut into 4 pieces of about 256 MiB


def reports(source: Path) -> tuple[bytes, bytes]:
    """The report of a source by both methods, as the CSV bytes a user gets."""
    return (
        report_csv_bytes(compute_report(source)),
        report_csv_bytes(compute_report(source, method="carry_forward")),
    )


@pytest.mark.slow
def test_folder_and_its_database_report_alike_at_the_real_fleets_size(tmp_path: Path):
    folder = tmp_path / "1x"
    generate(folder, stores=14_092, days=8, seed=7)  # bench/benchmark.py's 1x
    database = tmp_path / "1x.duckdb"
    ingest(folder, database)
    from_folder = reports(folder)
    assert from_folder == reports(database)
    polled = duckdb.sql(
        "select count(distinct store_id) from read_csv(?, all_varchar = true)",
        params=[str(folder / "store_status.csv")],
    ).fetchall()[0][0]
    assert from_folder[0].count(b"\n") == 1 + polled  # the header, a row per polled store


@pytest.mark.slow
def test_folder_and_its_database_report_alike_on_a_10x_shaped_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "sample"
    generate(folder, stores=1_409, days=8, seed=7)  # 10x's stores / 100, its polls per store
    status = folder / "store_status.csv"
    whole = reports(folder)  # the file staged whole (one piece)
    monkeypatch.setattr(reader, "PIECE_BYTES", status.stat().st_size // TENX_PIECES)
    plan = registry.plan_file(None, status, False, datetime.now())
    assert len(plan.pieces) >= TENX_PIECES
    assert {piece.new_line for piece in plan.pieces} == {"\n"}  # DuckDB's scanner reads them
    database = tmp_path / "sample.duckdb"
    ingest(folder, database)
    assert reports(folder) == whole
    assert reports(database) == whole
