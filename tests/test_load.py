"""Loading the exports: both variants, each kind of bad row, idempotent reloads, appended files."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from storemon.engine import db
from storemon.engine.ingest import ingest
from storemon.engine.load import load_folder
from storemon.engine.report import open_source
from storemon.errors import StoremonError


def rejects(con) -> list[tuple]:
    return con.execute("select source_file, line, reason from rejects order by all").fetchall()


def test_2023_export_rejects_each_bad_row_with_file_line_and_reason(loaded_2023):
    con, summary = loaded_2023
    assert rejects(con) == [
        ("menu_hours.csv", 4, "day of week '7' is not an integer 0-6"),
        ("menu_hours.csv", 5, "day of week 'one' is not an integer 0-6"),
        ("menu_hours.csv", 7, "unparseable end time 'noon'"),
        ("store_status.csv", 6, "unknown status 'sleepy'"),
        ("store_status.csv", 7, "empty store_id"),
        ("store_status.csv", 8, "unparseable timestamp '2023-01-24 25:56:41 UTC'"),
        ("store_status.csv", 9, "unparseable timestamp 'yesterday'"),
        ("store_status.csv", 10, "expected 3 fields, found 4"),
        (
            "store_timezone.csv",
            3,
            "unknown time zone 'Mars/Olympus_Mons' (America/Chicago is used)",
        ),
    ]
    by_file = {f.file: f for f in summary.files}
    assert (by_file["store_status.csv"].rows_read, by_file["store_status.csv"].rows_loaded) == (
        11,
        6,
    )
    assert by_file["store_status.csv"].rows_rejected == 5
    assert summary.stores_polled == 3
    assert summary.stores_without_hours == 1  # 1481966498820158979
    assert summary.stores_without_zone == 1
    assert summary.stores_never_polled == 1  # 9999999999999999999 has hours only


def test_good_rows_load_with_ids_unchanged_and_times_parsed(loaded_2023):
    con, _ = loaded_2023
    polls = con.execute(
        "select store_id, strftime(timestamp_utc, '%Y-%m-%d %H:%M:%S.%f'), status "
        "from store_status order by all"
    ).fetchall()
    assert polls == [
        ("1481966498820158979", "2023-01-24 11:00:00.123000", "active"),  # 'ACTIVE ' trimmed
        ("1481966498820158979", "2023-01-24 11:00:00.123000", "inactive"),
        ("257406274356679", "2023-01-24 09:56:41.310000", "active"),
        ("8419537941919820732", "2023-01-24 09:06:42.605777", "active"),
        ("8419537941919820732", "2023-01-24 10:09:15.900000", "inactive"),
        ("8419537941919820732", "2023-01-24 11:02:00.000000", "active"),
    ]
    zones = con.execute("select store_id, timezone_str from timezones order by all").fetchall()
    # the first *valid* row of a store wins: the unknown zone is rejected, Denver holds
    assert zones == [
        ("257406274356679", "America/Denver"),
        ("8419537941919820732", "America/New_York"),
    ]


def test_2024_export_bom_crlf_no_final_newline_and_offsets(export_2024):
    con = db.connect()
    load_folder(con, export_2024)
    polls = con.execute(
        "select store_id, strftime(timestamp_utc, '%Y-%m-%d %H:%M:%S.%f'), status "
        "from store_status order by 2"
    ).fetchall()
    assert polls == [
        ("0c7ce1d6-8a49-4d1e-9e5c-6a4a8c1b2f10", "2024-10-14 10:00:00.000000", "active"),
        ("0c7ce1d6-8a49-4d1e-9e5c-6a4a8c1b2f10", "2024-10-14 11:00:00.000000", "inactive"),
        ("0c7ce1d6-8a49-4d1e-9e5c-6a4a8c1b2f10", "2024-10-14 12:00:00.500000", "active"),
        # `-05:00` is converted to UTC
        ("5f2d9a8e-1b7c-4c3d-8e9f-0a1b2c3d4e5f", "2024-10-14 17:30:00.000000", "inactive"),
    ]
    assert rejects(con) == [("menu_hours.csv", 4, "day of week '-1' is not an integer 0-6")]
    hours = con.execute("select day_of_week, end_time_local::varchar from menu_hours order by 1")
    assert hours.fetchall() == [(0, "23:59:59"), (1, "02:00:00")]


def test_line_numbers_stay_exact_after_blank_and_ragged_lines(tmp_path, export_2024):
    status = export_2024 / "store_status.csv"
    status.write_text(
        "store_id,timestamp_utc,status\n\nA,2024-10-14 10:00:00 UTC,active\n\n"
        "B,2024-10-14 10:00:00 UTC\nC,2024-10-14 10:00:00 UTC,active,x\nD,bad,active\n",
        encoding="utf-8",
    )
    con = db.connect()
    load_folder(con, export_2024)
    assert [r for r in rejects(con) if r[0] == "store_status.csv"] == [
        ("store_status.csv", 5, "expected 3 fields, found 2"),
        ("store_status.csv", 6, "expected 3 fields, found 4"),
        ("store_status.csv", 7, "unparseable timestamp 'bad'"),
    ]
    assert con.execute("select store_id from store_status").fetchall() == [("A",)]


def test_ingest_twice_adds_nothing(tmp_path, export_2023):
    db_path = tmp_path / "s.duckdb"
    first = ingest(export_2023, db_path)
    again = ingest(export_2023, db_path)
    assert sum(f.rows_loaded for f in first.files) == 6 + 4 + 2
    assert sum(f.rows_loaded for f in again.files) == 0
    assert sum(f.rows_already_loaded for f in again.files) == 6 + 4 + 2
    con = db.connect(db_path, read_only=True)
    sizes = dict(db.run_query(con, "table_sizes").itertuples(index=False))
    assert sizes == {"store_status": 6, "menu_hours": 4, "timezones": 2, "rejects": 9}


def test_only_a_database_kept_for_later_loads_fingerprints_its_files(tmp_path, export_2023):
    # an ingest keeps each file's SHA-256 (a later load knows a grown file by it); a folder
    # loaded in memory for one report is never loaded into again, so it hashes nothing
    db_path = tmp_path / "s.duckdb"
    ingest(export_2023, db_path)
    con = db.connect(db_path, read_only=True)
    kept = dict(con.execute("select source_file, fingerprint from files").fetchall())
    expected = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in export_2023.glob("*.csv")
    }
    assert kept == expected
    with open_source(export_2023) as in_memory:
        files = in_memory.execute("select source_file, fingerprint from files").fetchall()
    assert dict(files) == dict.fromkeys(expected, "")


def test_a_file_an_older_storemon_fingerprinted_with_blake2b_still_loads_only_what_it_gained(
    tmp_path, export_2024
):
    status = export_2024 / "store_status.csv"
    store = "0c7ce1d6-8a49-4d1e-9e5c-6a4a8c1b2f10"
    status.write_text(
        f"store_id,timestamp_utc,status\n{store},2024-10-14T10:00:00Z,active\n", encoding="utf-8"
    )
    db_path = tmp_path / "s.duckdb"
    ingest(export_2024, db_path)
    with db.connect(db_path) as con:  # as a storemon of blake2b fingerprints left it
        con.execute(
            "update files set fingerprint = $f where source_file = 'store_status.csv'",
            {"f": hashlib.blake2b(status.read_bytes()).hexdigest()},
        )
    with status.open("a", encoding="utf-8") as stream:
        stream.write(f"{store},2024-10-14T11:00:00Z,inactive\n")
    grown = ingest(export_2024, db_path)
    part = next(f for f in grown.files if f.file == "store_status.csv")
    assert (part.action, part.rows_read, part.rows_loaded) == ("append", 1, 1)
    fingerprint = "select fingerprint from files where source_file = 'store_status.csv'"
    with db.connect(db_path, read_only=True) as con:
        assert con.execute(fingerprint).fetchone() == (
            hashlib.blake2b(status.read_bytes()).hexdigest(),
        )
    status.write_text(status.read_text().replace("inactive", "active"), encoding="utf-8")
    changed = ingest(export_2024, db_path)  # edited: loaded again whole, fingerprinted anew
    assert next(f for f in changed.files if f.file == "store_status.csv").action == "replace"
    with db.connect(db_path, read_only=True) as con:
        assert con.execute(fingerprint).fetchone() == (
            hashlib.sha256(status.read_bytes()).hexdigest(),
        )


def test_one_more_hourly_file_adds_only_its_new_polls(tmp_path, export_2024):
    db_path = tmp_path / "s.duckdb"
    ingest(export_2024, db_path)
    (export_2024 / "store_status_2024-10-14T13.csv").write_text(
        "store_id,timestamp_utc,status\n"
        "0c7ce1d6-8a49-4d1e-9e5c-6a4a8c1b2f10,2024-10-14T12:00:00.5Z,active\n"  # already held
        "0c7ce1d6-8a49-4d1e-9e5c-6a4a8c1b2f10,2024-10-14T13:00:00Z,inactive\n",
        encoding="utf-8",
    )
    summary = ingest(export_2024, db_path)
    hourly = next(f for f in summary.files if f.file.startswith("store_status_2024"))
    assert (hourly.rows_read, hourly.rows_loaded, hourly.rows_already_loaded) == (2, 1, 1)
    con = db.connect(db_path, read_only=True)
    assert con.execute("select count(*) from store_status").fetchone() == (5,)


def test_missing_file_and_missing_column_are_one_sentence(tmp_path, export_2023):
    (export_2023 / "store_timezone.csv").unlink()
    with pytest.raises(StoremonError, match=r"^no timezones.csv, store_timezone.csv or bq-res"):
        load_folder(db.connect(), export_2023)
    shutil.copy(export_2023 / "menu_hours.csv", export_2023 / "timezones.csv")
    with pytest.raises(StoremonError, match=r"^timezones.csv: missing column 'timezone_str'"):
        load_folder(db.connect(), export_2023)


def run_ingest_cli(data: Path, database: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "storemon.cli", "ingest", "--data", str(data)]
    return subprocess.run(
        [*command, "--db", str(database)], capture_output=True, text=True, check=False
    )


def test_cli_error_is_one_line_without_traceback(tmp_path, export_2023):
    (export_2023 / "menu_hours.csv").write_text("store_id,weekday,start,end\n", encoding="utf-8")
    result = run_ingest_cli(export_2023, tmp_path / "x.duckdb")
    assert result.returncode == 1
    assert result.stderr.startswith("storemon: error: menu_hours.csv: missing column 'dayofweek'")
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "x.duckdb").exists()


def test_ingest_cli_prints_summary(tmp_path, export_2023):
    result = run_ingest_cli(export_2023, tmp_path / "x.duckdb")
    assert result.returncode == 0
    out = result.stdout
    assert "store_status.csv: 11 rows read, 6 loaded, 0 already loaded, 5 rejected" in out
    assert "unknown status '...'" in out
    assert "stores polled: 3; without business hours (open 24x7): 1" in out


def test_compute_report_on_a_folder_counts_the_rejected_rows(export_2023):
    from storemon import compute_report

    assert compute_report(export_2023).attrs["rejected_rows"] == 9


def test_compute_report_says_its_instants_in_utc_with_a_z(export_2024):
    """``attrs`` say ``now`` and ``as_of`` as the command line and the API do."""
    from storemon import compute_report

    latest = compute_report(export_2024).attrs
    assert (latest["now"], latest["as_of"]) == ("2024-10-14T17:30:00Z", None)
    earlier = compute_report(export_2024, as_of="2024-10-14T12:00:00+02:00").attrs
    assert earlier["now"] == earlier["as_of"] == "2024-10-14T10:00:00Z"


def test_a_file_that_is_not_utf8_is_refused_whole_with_its_line(tmp_path, export_2024):
    (export_2024 / "store_status.csv").write_bytes(
        b"store_id,timestamp_utc,status\nA\xe9,2024-10-14 10:00:00 UTC,active\n"
    )
    db_path = tmp_path / "s.duckdb"
    with pytest.raises(StoremonError) as refused:
        ingest(export_2024, db_path)
    assert str(refused.value) == (
        "store_status.csv cannot be read (line 2, byte 31): it is not UTF-8 text (bytes e9); "
        "convert it to UTF-8 (e.g. `iconv -f latin1 -t utf-8`) and load it again"
    )
    assert not db_path.exists()


def test_a_folder_s_in_memory_database_is_closed_once_the_report_has_read_it(export_2023):
    with open_source(export_2023) as con:
        assert con.execute("select count(*) from store_status").fetchone()[0] > 0
    closers = [t for t in threading.enumerate() if t.name == "storemon-close"]
    for closer in closers:
        closer.join(timeout=30)
    with pytest.raises(duckdb.ConnectionException):
        con.execute("select 1")
