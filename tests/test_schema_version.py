"""A database records its schema version: one made by an older storemon is derived again by the
next load (and refused by readers until then), one made by a newer storemon is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cases import link_differences, report_differences
from reference import compute_reference

from storemon.cli import main
from storemon.engine import schema
from storemon.engine.archive import archive_dir
from storemon.engine.freshness import read_freshness
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.report import compute_report
from storemon.errors import StoremonError

OLDER = Path(__file__).parent / "fixtures" / "older_database"
AS_OFS = [None, "2024-10-05T12:00:00Z", "2024-10-03T00:00:00Z", "2024-10-09T21:30:00Z"]


@pytest.fixture
def older(tmp_path: Path) -> Path:
    """The database an earlier storemon made (tests/fixtures/older_database), rebuilt as a file
    with its archive beside it."""
    tables = OLDER / "tables"
    database = tmp_path / "storemon.duckdb"
    con = duckdb.connect(str(database))
    con.execute((tables / "schema.sql").read_text())
    con.execute((tables / "load.sql").read_text().replace("{folder}", str(tables)))
    con.close()
    shutil.copytree(OLDER / "archive", tmp_path / "archive")
    shutil.copytree(OLDER / "data", tmp_path / "data")
    return database


def test_the_fixture_is_a_database_of_an_older_version(older: Path):
    con = duckdb.connect(str(older), read_only=True)
    assert schema.version_of(con) == 0
    con.close()


def test_readers_refuse_an_older_database_with_the_command_that_updates_it(
    older: Path, capsys: pytest.CaptureFixture
):
    with pytest.raises(StoremonError, match=r"older storemon .*storemon ingest --db .*once"):
        compute_report(older)
    with pytest.raises(StoremonError, match="older storemon"):
        read_freshness(older)
    assert main(["status", "--db", str(older)]) == 1
    assert "run `storemon ingest --db" in capsys.readouterr().err


def test_a_load_derives_every_store_of_an_older_database_again(older: Path):
    data = older.parent / "data"
    summary = ingest(data, older, options=LoadOptions(retention_days=3))
    assert "made by an older storemon (schema 0)" in summary.render()
    assert all(f.rows_loaded == 0 for f in summary.files)  # nothing new was loaded
    fresh = older.parent / "fresh.duckdb"
    ingest(data, fresh, options=LoadOptions(retention_days=3))
    inputs = [
        pd.read_csv(data / f"{name}.csv", dtype=str)
        for name in ("store_status", "menu_hours", "timezones")
    ]
    for as_of in AS_OFS:
        for method in ("nearest", "carry_forward"):
            report = compute_report(older, as_of=as_of, method=method)
            assert report.equals(compute_report(fresh, as_of=as_of, method=method))
            expected = compute_reference(*inputs, as_of=as_of, method=method)
            assert report_differences(report, expected) == [], (as_of, method)
    again = ingest(data, older, options=LoadOptions(retention_days=3))
    assert "older storemon" not in again.render()


def test_a_database_of_a_newer_storemon_is_refused_and_left_as_it_was(older: Path, tmp_path: Path):
    data = older.parent / "data"
    ingest(data, older, options=LoadOptions(retention_days=3))
    con = duckdb.connect(str(older))
    con.execute("update storemon_info set schema_version = 99")
    con.close()
    before = older.read_bytes()
    with pytest.raises(StoremonError, match=r"newer storemon \(schema 99"):
        ingest(data, older)
    assert older.read_bytes() == before
    with pytest.raises(StoremonError, match="newer storemon"):
        compute_report(older)


def test_status_tells_the_retention_the_database_was_loaded_with(older: Path):
    ingest(older.parent / "data", older, options=LoadOptions(retention_days=3))
    assert read_freshness(older).retention_days == 3


def test_a_database_from_before_day_spans_were_kept_gets_them_on_its_next_load(
    older: Path, tmp_path: Path
):
    """Schema 1 databases have no day_spans table: readers refuse them, and the next load
    derives every store's day spans (a load without them would place no poll in hours), and only
    them: the stores' derive marks stay, so the archive's kept instants still hold."""
    data = older.parent / "data"
    ingest(data, older, options=LoadOptions(retention_days=3))
    expected = compute_report(older)
    con = duckdb.connect(str(older))
    spans = con.execute("select * from day_spans order by all").fetchall()
    assert spans  # every store of the fixture has business hours
    marks = con.execute("select * from derive_marks order by all").fetchall()
    assert marks
    con.execute("drop table day_spans")
    con.execute("update storemon_info set schema_version = 1")
    con.close()
    with pytest.raises(StoremonError, match=r"older storemon \(schema 1"):
        compute_report(older)
    summary = ingest(data, older, options=LoadOptions(retention_days=3))
    assert "(schema 1): its stores' day spans were derived (schema 3 now)" in summary.render()
    con = duckdb.connect(str(older), read_only=True)
    assert con.execute("select * from day_spans order by all").fetchall() == spans
    assert con.execute("select * from derive_marks order by all").fetchall() == marks
    con.close()
    assert compute_report(older).equals(expected)


def test_a_database_from_before_instants_were_linked_gets_them_on_its_next_load(older: Path):
    """Schema 2 databases have no links between poll instants: the next load links every hot
    instant in hours to its predecessor (the first one to the last archived in hours), as a load
    that keeps every poll hot counts them, stops listing the archived days' kept instants (kept
    without links: reports derive those days from their polls) and changes nothing else."""
    data = older.parent / "data"
    older = older.parent / "schema2.duckdb"  # a new load of the data, made schema 2 below
    ingest(data, older, options=LoadOptions(retention_days=3))
    expected = compute_report(older)
    con = duckdb.connect(str(older))
    rows = con.execute("select * exclude (prev_packed) from poll_instants order by all").fetchall()
    assert con.execute("select count(*) from stores where cold_hours_us is not null").fetchone()[0]
    con.execute("alter table poll_instants drop column prev_packed")
    con.execute("drop table archive_links")
    con.execute("update storemon_info set schema_version = 2")
    listed = con.execute("select path from archive_instant_files").fetchall()
    kept = [archive_dir(older) / path for (path,) in listed]
    con.close()
    assert kept
    for path in kept:  # as schema 2 wrote them
        rows_kept = duckdb.connect().execute(
            "select * exclude (prev_packed) from read_parquet($f)", {"f": str(path)}
        )
        duckdb.connect().from_df(rows_kept.df()).write_parquet(str(path))
    with pytest.raises(StoremonError, match=r"older storemon \(schema 2"):
        compute_report(older)
    summary = ingest(data, older, options=LoadOptions(retention_days=3))
    assert "(schema 2): its poll instants were linked (schema 3 now)" in summary.render()
    all_hot = older.parent / "all_hot.duckdb"
    ingest(data, all_hot, options=LoadOptions(retention_days=10_000))
    assert link_differences(older, all_hot) == []
    con = duckdb.connect(str(older), read_only=True)
    query = "select * exclude (prev_packed) from poll_instants order by all"
    again = con.execute(query).fetchall()
    assert again == rows
    assert con.execute("select count(prev_packed) from poll_instants").fetchone()[0] > 0
    assert con.execute("select count(*) from archive_instant_files").fetchone()[0] == 0
    con.close()
    assert not any(path.exists() for path in kept)
    assert compute_report(older).equals(expected)
