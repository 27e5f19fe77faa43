"""``--watch`` rounds in process, on real files and a real database: snapshots kept whole while one
of their files cannot load, a torn last line loaded once its file settles, a file that grows every
round, polls in the future retried when the clock passes them, a refused snapshot that does not
stop the drops, a drop deleted mid-round, and a round with nothing new that copies nothing."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from storemon.engine import planning
from storemon.engine.report import compute_report
from storemon.engine.watch import Watcher
from storemon.errors import StoremonError
from storemon.synthetic.generate import generate

END = datetime(2024, 10, 31)  # the generated polls end here; the test clock starts after it


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("source")
    generate(folder, stores=6, days=2, start="2024-10-29T00:00:00Z", seed=4)
    return folder


@pytest.fixture
def drops(source: Path, tmp_path: Path) -> Path:
    """A watched folder: two hours files (three stores each), the zones, the polls' first half."""
    folder = tmp_path / "drops"
    folder.mkdir()
    shutil.copy(source / "timezones.csv", folder)
    hours = pd.read_csv(source / "menu_hours.csv", dtype=str)
    stores = sorted(hours["store_id"].unique())
    hours[hours["store_id"].isin(stores[:3])].to_csv(folder / "menu_hours_a.csv", index=False)
    hours[~hours["store_id"].isin(stores[:3])].to_csv(folder / "menu_hours_b.csv", index=False)
    header, polls = status_lines(source)
    (folder / "store_status_1.csv").write_text(header + "".join(polls[: len(polls) // 2]))
    return folder


def status_lines(source: Path) -> tuple[str, list[str]]:
    lines = (source / "store_status.csv").read_text().splitlines(keepends=True)
    return lines[0], lines[1:]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def watcher(drops: Path, said: list[str], clock: Clock | None = None) -> Watcher:
    # settle=0: a file unchanged since the last round counts as settled (the rounds run at once)
    return Watcher(drops, drops.parent / "watched.duckdb", 21, said.append, clock=clock, settle=0)


def held(database: Path, query: str) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(query).fetchone()[0]
    finally:
        con.close()


def polls(database: Path) -> int:
    return held(database, "select count(*) from store_status")


@pytest.mark.parametrize("trouble", ["not utf-8", "still written"])
def test_a_snapshot_is_kept_whole_while_one_of_its_files_cannot_load(drops: Path, trouble: str):
    said: list[str] = []
    watch = watcher(drops, said)
    watch.round()
    database = drops.parent / "watched.duckdb"
    before = compute_report(database)
    hours_b = drops / "menu_hours_b.csv"
    if trouble == "not utf-8":
        hours_b.write_bytes(hours_b.read_bytes() + b"\xff\xfe,1,09:00,17:00\n")
    for n in range(3):  # changed since the last look, then left out; or written all along
        if trouble == "still written":
            with hours_b.open("a") as stream:
                stream.write(f"{n}" if n else "9999,1,09:00,1")
        watch.round()
    assert compute_report(database).equals(before)  # no store fell to 24x7
    assert any("menu_hours: the business hours held are kept" in line for line in said), said


def test_a_last_line_without_a_newline_loads_once_its_file_stops_changing(
    source: Path, drops: Path
):
    header, lines = status_lines(source)
    drop = drops / "store_status_2.csv"
    drop.write_text(header + "".join(lines[-5:]).rstrip("\n"))  # the exporter omits the newline
    said: list[str] = []
    watch = watcher(drops, said)
    database = drops.parent / "watched.duckdb"
    watch.round()
    first = polls(database)
    watch.round()  # the file did not change for a round: its last line is whole
    assert polls(database) == first + 1
    assert any("store_status_2.csv: its last line has no newline" in line for line in said)
    assert held(database, "select count(*) from rejects") == 0


def test_a_status_file_appended_between_every_round_loads_its_complete_lines(
    source: Path, drops: Path
):
    header, lines = status_lines(source)
    growing = drops / "store_status_2.csv"
    growing.write_text(header)
    watch = watcher(drops, [])
    database = drops.parent / "watched.duckdb"
    watch.round()
    start = polls(database)
    new = lines[len(lines) // 2 :]  # polls not loaded yet
    for n in range(1, 5):
        with growing.open("a") as stream:
            stream.write("".join(new[(n - 1) * 10 : n * 10]) + new[n * 10][:7])  # torn tail
        watch.round()
        assert polls(database) == start + 10 * n


def test_polls_in_the_future_load_once_the_clock_passes_them(source: Path, drops: Path):
    header, lines = status_lines(source)
    store = lines[0].split(",")[0]
    later = END + timedelta(hours=5)
    (drops / "store_status_2.csv").write_text(header + _row(header, store, later))
    clock = Clock(END + timedelta(hours=2))
    watch = watcher(drops, [], clock)
    database = drops.parent / "watched.duckdb"
    watch.round()
    assert held(database, "select count(*) from rejects where reason like '%in the future%'") == 1
    first = polls(database)
    watch.round()  # the clock did not move: the file is not read again
    assert polls(database) == first
    clock.now = later - timedelta(hours=1)  # the poll is within the allowed skew now
    watch.round()
    assert polls(database) == first + 1
    assert held(database, "select count(*) from rejects") == 0


def _row(header: str, store: str, instant: datetime) -> str:
    values = {
        "store_id": store,
        "timestamp_utc": f"{instant:%Y-%m-%d %H:%M:%S} UTC",
        "status": "inactive",
    }
    return ",".join(values[name] for name in header.strip().split(",")) + "\n"


def test_a_refused_snapshot_keeps_the_drops_loading_and_says_so_every_round(
    source: Path, drops: Path
):
    said: list[str] = []
    watch = watcher(drops, said)
    watch.round()
    database = drops.parent / "watched.duckdb"
    before = compute_report(database)
    hours = pd.read_csv(drops / "menu_hours_b.csv", dtype=str)
    (drops / "menu_hours_a.csv").unlink()  # a partial export: half the stores lose their hours
    hours[hours["store_id"] == hours["store_id"].iloc[0]].to_csv(
        drops / "menu_hours_b.csv", index=False
    )
    watch.round()  # the changed files wait a round
    header, lines = status_lines(source)
    half = len(lines) // 2
    (drops / "store_status_2.csv").write_text(header + "".join(lines[half:]))
    watch.round()
    assert polls(database) == len(set(lines))  # the drop loaded
    watch.round()
    refusals = [line for line in said if "refus" in line and "menu_hours" in line]
    assert len(refusals) >= 2, said  # said again while it stands
    stores = before["store_id"]
    after = compute_report(database, as_of=before.attrs["now"])
    assert after[after["store_id"].isin(stores)].reset_index(drop=True).equals(before)


def test_a_drop_deleted_during_a_round_is_named_and_the_rest_loads(
    source: Path, drops: Path, monkeypatch: pytest.MonkeyPatch
):
    header, lines = status_lines(source)
    doomed = drops / "store_status_2.csv"
    doomed.write_text(header + "".join(lines[-3:]))
    real = planning.registry.plan_file

    def deleted_first(known, path, *args, **kwargs):
        if path == doomed and path.exists():
            path.unlink()  # the exporter's clean-up runs while the load plans
        return real(known, path, *args, **kwargs)

    monkeypatch.setattr(planning.registry, "plan_file", deleted_first)
    said: list[str] = []
    assert watcher(drops, said).round() is not None
    assert "skipped store_status_2.csv: it disappeared during the round" in said
    assert polls(drops.parent / "watched.duckdb") == len(lines) // 2

    doomed.write_text(header + "".join(lines[-3:]))
    from storemon.engine.ingest import ingest

    with pytest.raises(StoremonError, match="store_status_2.csv disappeared while it was being"):
        ingest(drops, drops.parent / "other.duckdb")


def test_a_round_with_nothing_new_copies_nothing(drops: Path):
    watch = watcher(drops, [])
    watch.round()
    database = drops.parent / "watched.duckdb"
    stat = database.stat()
    summary = watch.round()
    assert summary is not None and {f.action for f in summary.files} == {"skip"}
    after = database.stat()
    assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
