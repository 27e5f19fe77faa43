"""The archive folder belongs to one database: storemon never deletes a file it did not write,
two databases never share a folder, and a killed load's files are found again by its journal."""

from __future__ import annotations

import errno
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from storemon.engine import archive
from storemon.engine.archive import archive_dir
from storemon.engine.archive_folder import MARKER
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.report import compute_report
from storemon.errors import StoremonError
from storemon.synthetic.generate import generate

AS_OF = "2024-10-29T12:00:00Z"  # a week in the archive when 3 days are kept hot


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five stores polled over 10 days."""
    folder = tmp_path_factory.mktemp("fleet")
    generate(folder, stores=5, days=10, start="2024-10-27T00:00:00Z", seed=5)
    return folder


def load(data: Path, database: Path) -> None:
    ingest(data, database, options=LoadOptions(retention_days=3))


def parts(folder: Path) -> list[Path]:
    """The archive's files: days' polls and their kept instants."""
    return sorted([*folder.rglob("*.parquet"), *folder.rglob("*.kept")])


def listed(database: Path) -> list[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            "select path from archive_files union all select path from archive_instant_files"
        ).fetchall()
        return sorted(path for (path,) in rows)
    finally:
        con.close()


def test_every_database_file_has_its_own_archive_folder(tmp_path: Path):
    names = ["storemon.duckdb", "storemon.db", "storemon.bak", "other.duckdb", "other"]
    folders = [archive_dir(tmp_path / name) for name in names]
    assert [f.name for f in folders] == [
        "archive",
        "storemon.db-archive",
        "storemon.bak-archive",
        "other-archive",
        "other-archive",  # the same as other.duckdb's: the marker tells them apart (below)
    ]


def test_a_folder_of_user_files_where_the_archive_goes_is_refused_and_kept(
    fleet: Path, tmp_path: Path
):
    mine = tmp_path / "archive"
    mine.mkdir()
    (mine / "README.md").write_text("my notes\n")
    (mine / "2023").mkdir()
    (mine / "2023" / "store_status.csv").write_text("store_id,status,timestamp_utc\n")
    before = sorted(p.relative_to(mine) for p in mine.rglob("*"))
    database = tmp_path / "storemon.duckdb"
    with pytest.raises(StoremonError, match=r"holds files storemon did not write \(2023"):
        load(fleet, database)
    assert sorted(p.relative_to(mine) for p in mine.rglob("*")) == before
    assert not database.exists()  # nothing was loaded
    assert (mine / "README.md").read_text() == "my notes\n"


def test_databases_that_share_a_stem_keep_their_own_archives(fleet: Path, tmp_path: Path):
    first, second = tmp_path / "storemon.duckdb", tmp_path / "storemon.db"
    load(fleet, first)
    first_parts = parts(archive_dir(first))
    assert first_parts
    shutil.copyfile(first, tmp_path / "storemon.bak")  # a backup copy, loaded into later
    load(fleet, second)
    load(fleet, tmp_path / "storemon.bak")
    load(fleet, first)  # recovery of the first database runs again
    assert parts(archive_dir(first)) == first_parts
    expected = compute_report(fleet, as_of=AS_OF)
    for database in (first, second):
        assert compute_report(database, as_of=AS_OF).equals(expected)
        assert (archive_dir(database) / MARKER).is_file()


def test_a_database_never_writes_into_another_ones_archive(fleet: Path, tmp_path: Path):
    load(fleet, tmp_path / "other.duckdb")
    folder = archive_dir(tmp_path / "other.duckdb")
    kept = parts(folder)
    with pytest.raises(StoremonError, match="is the Parquet archive of the database other.duckdb"):
        load(fleet, tmp_path / "other")
    assert parts(folder) == kept


def test_files_no_load_journalled_are_never_deleted(fleet: Path, tmp_path: Path):
    database = tmp_path / "storemon.duckdb"
    load(fleet, database)
    folder = archive_dir(database)
    copy = folder / "date=2024-10-27" / "part-0123abcd.parquet"  # an analyst's copy of a part
    shutil.copy(next(p for p in parts(folder) if p.suffix == ".parquet"), copy)
    (folder / "notes.txt").write_text("kept\n")
    load(fleet, database)
    assert copy.is_file() and (folder / "notes.txt").is_file()
    assert compute_report(database, as_of=AS_OF).equals(compute_report(fleet, as_of=AS_OF))


# A load killed at a chosen moment: after its Parquet files are written and its database copy
# committed, but before the copy replaces the database (1); after the replace, before the files it
# superseded are deleted (2).
_KILLER = """
import os, signal, sys
from storemon.engine import archive, ingest
from storemon.engine.incremental import LoadOptions
moment = sys.argv[3]
if moment == "before-rename":
    real_replace = os.replace
    def replace(source, target):
        if str(target).endswith(".duckdb"):
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(source, target)
    ingest.os.replace = replace
else:
    def finish(self):
        os.kill(os.getpid(), signal.SIGKILL)
    archive.ArchiveChange.finish = finish
ingest.ingest(sys.argv[1], sys.argv[2], options=LoadOptions(retention_days=3))
"""


@pytest.mark.parametrize("moment", ["before-rename", "after-rename"])
def test_a_killed_load_leaves_nothing_the_next_load_does_not_clean_up(
    fleet: Path, tmp_path: Path, moment: str
):
    data = Path(shutil.copytree(fleet, tmp_path / "data"))
    database = tmp_path / "storemon.duckdb"
    load(data, database)
    folder = archive_dir(database)
    (folder / "README.md").write_text("a user's file in the archive folder\n")
    # the load to kill re-exports the polls with other content: it writes parts, supersedes others
    lines = (data / "store_status.csv").read_text().splitlines(keepends=True)
    changed = [lines[0]] + [line.replace(",inactive,", ",active,") for line in lines[1:]]
    (data / "store_status.csv").write_text("".join(changed))
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_KILLER), str(data), str(database), moment],
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    on_disk = {p.relative_to(folder).as_posix() for p in parts(folder)}
    assert on_disk > set(listed(database)), "the kill left files the database does not list"

    load(data, database)
    assert {p.relative_to(folder).as_posix() for p in parts(folder)} == set(listed(database))
    assert not list(folder.rglob("*.tmp")) and not list(folder.glob(".storemon-load-*"))
    assert (folder / "README.md").is_file()
    assert compute_report(database, as_of=AS_OF).equals(compute_report(data, as_of=AS_OF))
    hot = duckdb.connect(str(database), read_only=True)
    (n_hot,) = hot.execute("select count(*) from store_status").fetchone()
    hot.close()
    files = [str(p) for p in parts(folder) if p.suffix == ".parquet"]
    (n_cold,) = (
        duckdb.connect().execute("select count(*) from read_parquet($f)", {"f": files}).fetchone()
    )
    assert n_hot + n_cold == len(pd.read_csv(data / "store_status.csv").drop_duplicates())


def test_a_load_that_fails_while_writing_a_part_leaves_no_trace_in_the_archive(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    database = tmp_path / "storemon.duckdb"
    load(fleet, database)
    folder = archive_dir(database)
    entries = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    before = database.read_bytes()
    data = Path(shutil.copytree(fleet, tmp_path / "data"))
    lines = (data / "store_status.csv").read_text().splitlines(keepends=True)
    later = [line.replace("2024-10-27", "2024-10-20") for line in lines[1:]]  # a new day's polls
    (data / "store_status_late.csv").write_text(lines[0] + "".join(later))

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive.os, "fsync", no_space)
    with pytest.raises(StoremonError, match="no space left"):
        load(data, database)
    assert database.read_bytes() == before
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == entries
