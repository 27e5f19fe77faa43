"""Loads start from the spare (the file the load before last replaced), on real DuckDB files.

Drops loaded one after another take turns between the database and its spare and give what one
load of every poll gives; a spare that a reader still reads (through its lease, or opened
without one by another process) is never written; and a load killed (SIGKILL) at any step of
taking, equalling, keeping or settling the spare loses nothing: the database is the one before
the load or the one after it, a reader that opened it before reads the same, and the next load
ends where loading every drop at once ends.
"""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from storemon.cli import main
from storemon.engine import reader_leases, spare_file
from storemon.engine.ingest import ingest, prepare_next_load
from storemon.engine.report import compute_report, open_source, report_csv_bytes
from storemon.engine.watch import Watcher
from storemon.synthetic.generate import generate

DROPS = 5


@pytest.fixture(scope="module")
def drops(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The folders of drops 1 ... DROPS: hours, zones and the status files up to that drop.

    The fleet's polls (16 stores over 10 days) in time order, cut into DROPS status files.
    """
    root = tmp_path_factory.mktemp("spare")
    fleet = root / "fleet"
    generate(fleet, stores=16, days=10, start="2024-10-25T00:00:00Z", seed=11)
    header, *lines = (fleet / "store_status.csv").read_text().splitlines(keepends=True)
    lines.sort(key=lambda line: line.split(",")[2])
    size = -(-len(lines) // DROPS)
    folders = []
    for n in range(1, DROPS + 1):
        folder = root / f"upto{n}"
        folder.mkdir()
        for name in ("menu_hours.csv", "timezones.csv"):
            shutil.copy(fleet / name, folder / name)
        for k in range(n):
            part = lines[k * size : (k + 1) * size]
            (folder / f"store_status_{k + 1}.csv").write_text(header + "".join(part))
        folders.append(folder)
    return folders


@pytest.fixture(scope="module")
def expected(drops: list[Path], tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """The report after drops 1 ... n, each loaded at once into a new database (no spare)."""
    root = tmp_path_factory.mktemp("expected")
    reports = []
    for n, folder in enumerate(drops, start=1):
        ingest(folder, root / f"{n}.duckdb")
        reports.append(report_csv_bytes(compute_report(root / f"{n}.duckdb")))
    return reports


def inode(path: Path) -> int:
    return path.stat().st_ino


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_loads_take_turns_with_the_spare_and_equal_one_load(
    drops: list[Path], expected: list[bytes], tmp_path: Path
):
    database = tmp_path / "storemon.duckdb"
    spare = spare_file.spare_path(database)
    ingest(drops[0], database)
    assert not spare.exists(), "a first load replaces no file"
    first = inode(database)
    ingest(drops[1], database)
    assert inode(spare) == first, "the file a load replaced is kept as the spare"
    for n in range(2, DROPS):
        taken = inode(spare)
        ingest(drops[n], database)
        assert inode(database) == taken, f"drop {n + 1} was loaded into the spare, not a copy"
        assert report_csv_bytes(compute_report(database)) == expected[n]
    assert list(tmp_path.glob(".storemon.duckdb.loading-*")) == []
    assert list(reader_leases.lease_folder(database).iterdir()) == [], "every lease ended"


def test_a_spare_a_reader_holds_is_not_written(drops: list[Path], tmp_path: Path):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    ingest(drops[1], database)
    with open_source(database) as reader:
        leases = list(reader_leases.lease_folder(database).iterdir())
        assert len(leases) == 1 and inode(leases[0]) == inode(database)
        held = inode(database)
        before = reader.execute("select count(*), max(timestamp_utc) from store_status").fetchone()
        bytes_before = digest(leases[0])
        ingest(drops[2], database)  # the file the reader holds becomes the spare
        assert inode(spare_file.spare_path(database)) == held
        ingest(drops[3], database)  # a spare with a lease: this load copies the database
        assert inode(database) != held
        assert (
            not spare_file.spare_path(database).exists()
            or inode(spare_file.spare_path(database)) != held
        )
        assert digest(leases[0]) == bytes_before, "the file the reader reads was not written"
        assert (
            reader.execute("select count(*), max(timestamp_utc) from store_status").fetchone()
            == before
        )
    assert list(reader_leases.lease_folder(database).iterdir()) == []


def test_a_reader_without_a_lease_in_another_process_keeps_the_spare_unwritten(
    drops: list[Path], tmp_path: Path
):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    ingest(drops[1], database)
    held = inode(database)
    script = textwrap.dedent(
        f"""
        import duckdb, sys
        con = duckdb.connect({str(database)!r}, read_only=True)
        print(con.execute("select count(*) from store_status").fetchone()[0], flush=True)
        sys.stdin.readline()
        print(con.execute("select count(*) from store_status").fetchone()[0], flush=True)
        """
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        count = reader.stdout.readline().strip()
        ingest(drops[2], database)
        assert inode(spare_file.spare_path(database)) == held
        ingest(drops[3], database)  # the spare is open (its DuckDB lock): this load copies
        assert inode(database) != held
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == count
    finally:
        reader.kill()
        reader.wait()


# Each kill point: the function of storemon.engine.spare_file (or os.pwrite, called by
# make_equal only) after which the load kills itself; "before" kills on entering it instead.
KILL_POINTS = [
    ("take_spare", "after"),
    ("pwrite", "after"),
    ("make_equal", "after"),
    ("keep_replaced", "after"),
    ("settle_spare", "before"),
    ("settle_spare", "after"),
]

KILLED_LOAD = """
import os, signal, sys
from storemon.engine import spare_file
from storemon.engine.ingest import ingest, prepare_next_load

name, when, folder, database = sys.argv[1:5]
owner = os if name == "pwrite" else spare_file
original = getattr(owner, name)

def killing(*args, **kwargs):
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(owner, name, killing)
ingest(folder, database)
"""


@pytest.mark.parametrize(("point", "when"), KILL_POINTS)
def test_a_load_killed_at_any_step_of_the_spare_loses_nothing(
    point: str, when: str, drops: list[Path], expected: list[bytes], tmp_path: Path
):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    ingest(drops[1], database)  # the spare now holds drop 1 only: equalling it writes blocks
    with open_source(database) as reader:
        seen = reader.execute("select count(*), max(timestamp_utc) from store_status").fetchone()
        killed = subprocess.run(
            [sys.executable, "-c", KILLED_LOAD, point, when, str(drops[2]), str(database)],
            capture_output=True,
            text=True,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert (
            reader.execute("select count(*), max(timestamp_utc) from store_status").fetchone()
            == seen
        ), "a reader of the database before the load reads the same"
    after_kill = report_csv_bytes(compute_report(database))
    replaced = point == "settle_spare"
    assert after_kill == expected[2 if replaced else 1], "the database before or after the load"
    ingest(drops[3], database)
    assert report_csv_bytes(compute_report(database)) == expected[3]
    assert list(tmp_path.glob(".storemon.duckdb.loading-*")) == [], "the killed load's folder"
    taken = inode(spare_file.spare_path(database))
    ingest(drops[4], database)  # and the load after starts from a sound spare
    assert inode(database) == taken
    assert report_csv_bytes(compute_report(database)) == expected[4]
    assert list(reader_leases.lease_folder(database).iterdir()) == []


def test_a_reader_that_cannot_make_a_lease_reads_the_database_itself(
    drops: list[Path], expected: list[bytes], tmp_path: Path
):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    reader_leases.lease_folder(database).write_text("not a folder")
    with reader_leases.leased(database) as path:
        assert path == database
    assert report_csv_bytes(compute_report(database)) == expected[0]


def test_a_dead_readers_lease_is_removed_by_the_next_load(drops: list[Path], tmp_path: Path):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    ingest(drops[1], database)
    reader = subprocess.Popen([sys.executable, "-c", "pass"])
    reader.wait()
    folder = reader_leases.lease_folder(database)
    folder.mkdir(exist_ok=True)
    dead = folder / f"r{reader.pid}_00aa11bb22cc.duckdb"
    spare = spare_file.spare_path(database)
    dead.hardlink_to(spare)  # killed while it read the file that is now the spare
    taken = inode(spare)
    ingest(drops[2], database)
    assert not dead.exists()
    assert inode(database) == taken, "with the dead reader's lease gone, the spare is taken"


def assert_next_load_reads_neither_file(
    database: Path, folder: Path, report: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spare is prepared: the next load takes it as it is and ends where a bulk load does."""
    assert digest(spare_file.spare_path(database)) == digest(database)
    taken = inode(spare_file.spare_path(database))

    def never(*args: object) -> int:
        raise AssertionError("a prepared spare is neither compared again nor copied over")

    monkeypatch.setattr(spare_file, "make_equal", never)
    monkeypatch.setattr(shutil, "copyfile", never)
    ingest(folder, database)
    assert inode(database) == taken
    assert not spare_file.equal_mark(database).exists(), "the mark went with the spare's name"
    assert report_csv_bytes(compute_report(database)) == report


def test_between_watch_rounds_the_spare_is_made_equal_and_the_next_load_reads_neither_file(
    drops: list[Path], expected: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    watched = tmp_path / "watched"
    shutil.copytree(drops[1], watched)
    Watcher(watched, database, retention_days=21, say=lambda line: None).run(every=0, rounds=1)
    assert spare_file.spare_is_equal(database), "the round's load was followed by preparing"
    assert_next_load_reads_neither_file(database, drops[2], expected[2], monkeypatch)


def test_a_one_shot_ingest_prepares_the_spare_so_the_next_run_reads_neither_file(
    drops: list[Path],
    expected: list[bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    database = tmp_path / "storemon.duckdb"
    for folder in drops[:2]:  # the second run has a spare: the file the first one made
        assert main(["ingest", "--data", str(folder), "--db", str(database)]) == 0
    assert "next load prepared in" in capsys.readouterr().out
    assert spare_file.spare_is_equal(database), "the run's load was followed by preparing"
    assert_next_load_reads_neither_file(database, drops[2], expected[2], monkeypatch)


def test_a_mark_the_files_no_longer_match_is_not_trusted(
    drops: list[Path], expected: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    ingest(drops[1], database)
    assert prepare_next_load(database)
    # the database put back from elsewhere (a restore): same bytes, another file
    restored = tmp_path / "restored.duckdb"
    shutil.copyfile(database, restored)
    restored.replace(database)
    assert not spare_file.spare_is_equal(database)
    compared = []
    original = spare_file.make_equal
    monkeypatch.setattr(
        spare_file, "make_equal", lambda *args: compared.append(1) or original(*args)
    )
    ingest(drops[2], database)
    assert compared == [1]
    assert report_csv_bytes(compute_report(database)) == expected[2]


PREPARE_KILLED = """
import os, signal, sys
from storemon.engine.ingest import prepare_next_load

original = os.pwrite

def killing(*args):
    result = original(*args)
    os.kill(os.getpid(), signal.SIGKILL)
    return result

os.pwrite = killing
prepare_next_load(sys.argv[1])
"""


def test_preparing_killed_midway_leaves_no_mark_and_the_next_load_compares(
    drops: list[Path], expected: list[bytes], tmp_path: Path
):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    ingest(drops[1], database)  # the spare holds drop 1 only: preparing writes blocks
    killed = subprocess.run(
        [sys.executable, "-c", PREPARE_KILLED, str(database)], capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not spare_file.spare_is_equal(database)
    taken = inode(spare_file.spare_path(database))
    ingest(drops[2], database)
    assert inode(database) == taken
    assert report_csv_bytes(compute_report(database)) == expected[2]


def test_readers_of_one_snapshot_in_a_process_share_one_lease(drops: list[Path], tmp_path: Path):
    database = tmp_path / "storemon.duckdb"
    ingest(drops[0], database)
    folder = reader_leases.lease_folder(database)
    with open_source(database) as first, open_source(database) as second:
        assert len(list(folder.iterdir())) == 1, "one lease: one DuckDB instance, as one path"
        query = "select count(*) from store_status"
        assert first.execute(query).fetchone() == second.execute(query).fetchone()
        ingest(drops[1], database)  # a new snapshot: a reader opening now leases that file
        with open_source(database) as third:
            assert len(list(folder.iterdir())) == 2
            assert third.execute(query).fetchone() > first.execute(query).fetchone()
    assert list(folder.iterdir()) == []
