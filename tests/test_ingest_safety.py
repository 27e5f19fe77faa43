"""An ingest that nothing can poison (issue 10, items 1, 4, 8 and 12), on real DuckDB files.

Polls in the future or the distant past are rejects that change nothing; killed loads leave
working copies that the next load removes; a database that cannot be opened or written is one
``storemon: error:`` line naming the user's file; a partial hours or zone export is refused
unless asked for, and the summary says what a snapshot drops.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cases import report_differences
from live_servers import wait_for
from reference import compute_reference

from storemon.cli import main
from storemon.engine import db, pipeline
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.load import load_folder
from storemon.engine.report import compute_report, report_csv_bytes
from storemon.synthetic.generate import generate

STAMP = "%Y-%m-%d %H:%M:%S.%f UTC"


def replacing() -> LoadOptions:
    """The big fleet's stores are others than the small one's: its snapshot replaces them all."""
    return LoadOptions(replace_snapshot=True)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve stores polled over 9 days."""
    folder = tmp_path_factory.mktemp("fleet")
    generate(folder, stores=12, days=9, start="2024-10-25T00:00:00Z", seed=5)
    return folder


def with_polls(fleet: Path, folder: Path, instants: list[datetime]) -> Path:
    """A copy of ``fleet`` whose status file ends with one poll of its first store per instant."""
    shutil.copytree(fleet, folder)
    status = folder / "store_status.csv"
    store = status.read_text().splitlines()[1].split(",")[0]
    with status.open("a") as stream:
        for instant in instants:
            stream.write(f"{store},active,{instant.strftime(STAMP)}\n")
    return folder


def all_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- item 1: polls in the future or before 2000 ------------------------------------------------


def test_far_future_and_past_polls_are_rejects_that_change_nothing(fleet: Path, tmp_path: Path):
    bad = with_polls(fleet, tmp_path / "bad", [datetime(2100, 6, 1), datetime(1900, 1, 1)])
    n_lines = len((bad / "store_status.csv").read_text().splitlines())
    con = db.connect()
    load_folder(con, bad)
    rejects = con.execute("select line, reason from rejects order by line").fetchall()
    assert rejects == [
        (n_lines - 1, "timestamp '2100-06-01 00:00:00 UTC' is in the future "
         "(after the load's clock + 1 h)"),
        (n_lines, "timestamp '1900-01-01 00:00:00 UTC' is before 2000-01-01 "
         "(no plausible poll is older)"),
    ]  # fmt: skip
    polls = pd.read_csv(fleet / "store_status.csv", dtype=str)
    real = pd.to_datetime(polls["timestamp_utc"].str.removesuffix(" UTC"))
    # what is computed per zone spans the real polls only (2100 and 1900 would be ~200 years)
    lo_us, hi_us = con.execute("select lo_us, hi_us from segment_range").fetchone()
    assert (lo_us, hi_us) == (real.min().value // 1000, real.max().value // 1000)
    # the report is the one without those lines, byte for byte, and the brute-force reference's
    report = compute_report(bad)
    assert report.attrs["now"] == compute_report(fleet).attrs["now"]
    assert report_csv_bytes(report) == report_csv_bytes(compute_report(fleet))
    hours = pd.read_csv(fleet / "menu_hours.csv", dtype=str)
    zones = pd.read_csv(fleet / "timezones.csv", dtype=str)
    assert report_differences(report, compute_reference(polls, hours, zones)) == []


def test_a_poll_an_hour_ahead_is_kept_and_one_two_hours_ahead_is_not(tmp_path: Path):
    now = datetime.now(UTC).replace(tzinfo=None)
    folder = tmp_path / "recent"
    generate(folder, stores=4, days=2, start=(now - timedelta(days=2)).isoformat(), seed=2)
    with_polls(folder, tmp_path / "ahead", [now + timedelta(minutes=50), now + timedelta(hours=2)])
    con = db.connect()
    load_folder(con, tmp_path / "ahead")
    held = con.execute("select max(timestamp_utc) from store_status").fetchone()[0]
    assert held == now + timedelta(minutes=50)
    (reason,) = con.execute("select reason from rejects").fetchone()
    assert "is in the future" in reason


def test_a_future_poll_kept_by_an_older_version_never_sets_the_report_instant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    now = datetime.now(UTC).replace(tzinfo=None)
    folder = tmp_path / "recent"
    generate(folder, stores=6, days=8, start=(now - timedelta(days=8)).isoformat(), seed=4)
    future = with_polls(folder, tmp_path / "future", [now + timedelta(days=3)])
    clean, legacy = tmp_path / "clean.duckdb", tmp_path / "legacy.duckdb"
    ingest(folder, clean)
    chains = {  # an older version: no reject_implausible_polls
        kind: tuple(s for s in steps if s != "reject_implausible_polls")
        for kind, steps in pipeline.STAGING_CHAINS.items()
    }
    monkeypatch.setattr(pipeline, "STAGING_CHAINS", chains)
    ingest(future, legacy)
    monkeypatch.undo()
    con = duckdb.connect(str(legacy), read_only=True)
    assert con.execute("select max(timestamp_utc) from store_status").fetchone()[0] > now
    con.close()
    report = compute_report(legacy)
    assert report.attrs["now"] == compute_report(clean).attrs["now"]
    assert report_csv_bytes(report) == report_csv_bytes(compute_report(clean))


# --- item 4: working copies of killed loads ----------------------------------------------------


@pytest.fixture(scope="module")
def big_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fleet whose load takes long enough (about a second) to be killed in the middle."""
    folder = tmp_path_factory.mktemp("big")
    generate(folder, stores=400, days=8, start="2024-10-25T00:00:00Z", seed=6)
    return folder


def start_ingest(data: Path, database: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "storemon.cli",
            "ingest",
            "--data",
            str(data),
            "--db",
            str(database),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def copies(database: Path) -> list[Path]:
    return sorted(database.parent.glob(f".{database.name}.loading-*"))


def kill_mid_load(data: Path, database: Path, sig: signal.Signals) -> subprocess.Popen:
    """Start an ingest, wait until its working copy exists and holds data, send ``sig``."""
    process = start_ingest(data, database)
    wait_for(
        lambda: any(
            any(p.iterdir()) if p.is_dir() else p.stat().st_size for p in copies(database)
        ),
        60,
        "the load's working copy",
        every=0.01,
    )
    process.send_signal(sig)
    process.wait(timeout=60)
    return process


def polls_and_stores(database: Path) -> tuple[int, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select count(*), count(distinct store_id) from store_status"
        ).fetchone()
    finally:
        con.close()


@pytest.mark.slow
def test_sigkill_mid_load_leaves_a_copy_that_the_next_load_removes(
    big_fleet: Path, fleet: Path, tmp_path: Path
):
    database = tmp_path / "db" / "storemon.duckdb"
    ingest(fleet, database)
    before = database.read_bytes()
    process = kill_mid_load(big_fleet, database, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert copies(database), "a SIGKILLed load cannot clean up: its copy is left"
    assert database.read_bytes() == before, "the database is untouched by the killed load"
    ingest(big_fleet, database, options=replacing())
    assert copies(database) == []
    fresh = tmp_path / "fresh.duckdb"
    ingest(fleet, fresh)
    ingest(big_fleet, fresh, options=replacing())
    assert polls_and_stores(database) == polls_and_stores(fresh)
    assert report_csv_bytes(compute_report(database)) == report_csv_bytes(compute_report(fresh))


@pytest.mark.slow
def test_sigterm_mid_load_removes_its_copy_and_keeps_the_database(
    big_fleet: Path, fleet: Path, tmp_path: Path
):
    database = tmp_path / "storemon.duckdb"
    ingest(fleet, database)
    before = database.read_bytes()
    process = kill_mid_load(big_fleet, database, signal.SIGTERM)
    assert process.returncode == 128 + signal.SIGTERM
    assert b"Traceback" not in process.stderr.read()
    assert copies(database) == []
    assert database.read_bytes() == before


def test_a_stale_copy_named_by_this_pid_is_removed_not_loaded_on(fleet: Path, tmp_path: Path):
    """In a container every run is pid 1: an old ``.<db>.loading-<pid>`` must not be reused."""
    database = tmp_path / "storemon.duckdb"
    stale = tmp_path / f".storemon.duckdb.loading-{os.getpid()}"
    other = tmp_path / "other"
    generate(other, stores=3, days=2, start="2024-10-30T00:00:00Z", seed=9)
    (other / "store_status.csv").rename(other / "store_status_other.csv")
    ingest(other, tmp_path / "other.duckdb")
    (tmp_path / "other.duckdb").rename(stale)  # a killed run's full copy of another database
    Path(f"{stale}.wal").write_bytes(b"a stale log from a killed run")
    ingest(fleet, database)
    assert copies(database) == []
    n_stores = pd.read_csv(fleet / "store_status.csv", dtype=str)["store_id"].nunique()
    assert polls_and_stores(database)[1] == n_stores
    fresh = tmp_path / "fresh.duckdb"
    ingest(fleet, fresh)
    assert polls_and_stores(database) == polls_and_stores(fresh)


# --- item 8: a database that cannot be opened or written ---------------------------------------


def one_error_line(capsys: pytest.CaptureFixture, argv: list[str]) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("storemon: error: "), err
    assert "Traceback" not in err
    return err


def test_a_file_that_is_not_a_database_is_named_with_the_fix(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture
):
    notes = tmp_path / "notes.duckdb"
    notes.write_text("my notes, not a database\n")
    err = one_error_line(capsys, ["ingest", "--data", str(fleet), "--db", str(notes)])
    assert f"{notes} is not a DuckDB database" in err and "--db" in err
    assert ".loading" not in err
    assert notes.read_text() == "my notes, not a database\n"
    assert all_files(tmp_path) == {"notes.duckdb", ".notes.duckdb.lock"}


def test_a_database_in_a_folder_that_cannot_be_written(fleet: Path, capsys: pytest.CaptureFixture):
    err = one_error_line(capsys, ["ingest", "--data", str(fleet), "--db", "/proc/x.duckdb"])
    assert "cannot write database /proc/x.duckdb" in err and "--db" in err


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 4 MB tmpfs (needs root and mount; skipped without them)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.slow
def test_disk_full_during_the_load_is_one_line_and_leaves_the_database_as_it_was(
    fleet: Path, big_fleet: Path, small_disk: Path, capsys: pytest.CaptureFixture
):
    database = small_disk / "storemon.duckdb"
    keep = ["--db", str(database), "--retention", "2"]  # both loads write to the archive
    assert main(["ingest", "--data", str(fleet), *keep]) == 0
    capsys.readouterr()
    before = database.read_bytes()
    listing = sorted(p.relative_to(small_disk) for p in small_disk.rglob("*"))
    assert any(p.name.startswith("date=") for p in listing)
    err = one_error_line(capsys, ["ingest", "--data", str(big_fleet), *keep])
    assert f"cannot write database {database}: no space left" in err
    assert database.read_bytes() == before
    # not a file or folder more: no part, no journal, no empty date= folder of the failed load
    assert sorted(p.relative_to(small_disk) for p in small_disk.rglob("*")) == listing


# --- item 12: partial hours or zone exports ----------------------------------------------------


def partial(fleet: Path, folder: Path, file: str, keep_stores: int) -> tuple[Path, set[str]]:
    """A copy of ``fleet`` whose ``file`` keeps the rows of its first ``keep_stores`` stores;
    returns the folder and the stores dropped."""
    shutil.copytree(fleet, folder)
    rows = pd.read_csv(fleet / file, dtype=str)
    kept = list(dict.fromkeys(rows["store_id"]))[:keep_stores]
    rows[rows["store_id"].isin(kept)].to_csv(folder / file, index=False)
    return folder, set(rows["store_id"]) - set(kept)


def test_a_partial_hours_file_is_refused_unless_asked_for(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture
):
    database = tmp_path / "storemon.duckdb"
    ingest(fleet, database)
    before = database.read_bytes()
    folder, dropped = partial(fleet, tmp_path / "partial", "menu_hours.csv", 2)
    argv = ["ingest", "--data", str(folder), "--db", str(database)]
    err = one_error_line(capsys, argv)
    n_before = len(dropped) + 2
    assert f"menu_hours.csv would drop the business hours of {len(dropped):,} of the " in err
    assert f"{n_before:,} stores" in err and "--replace-snapshot" in err
    assert database.read_bytes() == before
    assert main([*argv, "--replace-snapshot"]) == 0
    out = capsys.readouterr().out
    assert f"menu_hours: {len(dropped):,} stores lose their hours (now open 24x7)" in out
    con = duckdb.connect(str(database), read_only=True)
    held = {row[0] for row in con.execute("select distinct store_id from menu_hours").fetchall()}
    con.close()
    assert held.isdisjoint(dropped) and len(held) == 2


def test_a_small_drop_loads_and_the_summary_says_so(fleet: Path, tmp_path: Path):
    database = tmp_path / "storemon.duckdb"
    ingest(fleet, database)
    n_zones = pd.read_csv(fleet / "timezones.csv", dtype=str)["store_id"].nunique()
    folder, dropped = partial(fleet, tmp_path / "fewer", "timezones.csv", n_zones - 2)
    summary = ingest(folder, database)
    assert len(dropped) == 2
    assert summary.snapshot_drops == [
        "timezones: 2 stores lose their time zone (now America/Chicago)"
    ]
    assert "timezones: 2 stores lose their time zone" in summary.render()
    assert ingest(folder, database).snapshot_drops == []  # loaded again: nothing more dropped
