"""The Parquet archive on real files: its layout, nothing lost or held twice, late polls, reports
and reports as of an instant inside it, the archived days' kept instants and when they stop
holding (tests/test_archive_folder.py: whose folder it is, and recovery from a killed load)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cases import drop_folder, report_differences
from reference import compute_reference

from storemon.analysis import reading as reading_module
from storemon.engine import db
from storemon.engine import report as report_module
from storemon.engine.archive import archive_dir
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.report import (
    SnapshotSuperseded,
    compute_report,
    parse_as_of,
    report_from_connection,
)
from storemon.engine.trend import compute_trend
from storemon.synthetic.generate import generate


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five stores polled over 10 days."""
    folder = tmp_path_factory.mktemp("fleet")
    generate(folder, stores=5, days=10, start="2024-10-27T00:00:00Z", seed=5)
    return folder


def distinct_polls(folder: Path) -> int:
    return len(pd.read_csv(folder / "store_status.csv", dtype=str).drop_duplicates())


def test_polls_past_the_window_go_to_daily_parquet_files_nothing_lost_or_twice(
    fleet: Path, tmp_path: Path
):
    database = tmp_path / "storemon.duckdb"
    ingest(fleet, database, options=LoadOptions(retention_days=3))
    folder = tmp_path / "archive"
    assert archive_dir(database) == folder
    days = sorted(p.name for p in folder.iterdir() if p.is_dir())
    assert days[0] == "date=2024-10-27" and all(d.startswith("date=2024-") for d in days)
    assert all(p.name.startswith("part-") for p in folder.glob("*/*.parquet"))

    cold = duckdb.connect().sql(f"select * from read_parquet('{folder}/**/*.parquet')").df()
    con = duckdb.connect(str(database), read_only=True)
    hot = con.execute("select * from store_status").df()
    (cutoff,) = con.execute("select make_timestamp(cutoff_us) from hot_window").fetchone()
    con.close()
    assert (cold["timestamp_utc"] < cutoff).all() and (hot["timestamp_utc"] >= cutoff).all()
    # the window: 3 days back from the UTC midnight of the latest poll
    assert cutoff == hot["timestamp_utc"].max().floor("D") - pd.Timedelta(days=3)
    assert len(cold) + len(hot) == distinct_polls(fleet)
    both = pd.concat([cold, hot])[["store_id", "timestamp_utc", "status"]]
    assert not both.duplicated().any()


def test_a_report_as_of_an_instant_in_the_archive_equals_the_reference(
    fleet: Path, tmp_path: Path
):
    database = tmp_path / "storemon.duckdb"
    ingest(fleet, database, options=LoadOptions(retention_days=2))
    inputs = [
        pd.read_csv(fleet / f"{name}.csv", dtype=str)
        for name in ("store_status", "menu_hours", "timezones")
    ]
    for as_of in ("2024-10-28T03:00:00Z", "2024-11-02T18:30:00Z", None):
        for method in ("nearest", "carry_forward"):
            report = compute_report(database, as_of=as_of, method=method)
            expected = compute_reference(*inputs, as_of=as_of, method=method)
            assert report_differences(report, expected) == [], (as_of, method)


def test_late_polls_land_in_the_archive_where_they_belong(fleet: Path, tmp_path: Path):
    folder = drop_folder(tmp_path, fleet)
    lines = (fleet / "store_status.csv").read_text().splitlines(keepends=True)
    polls = pd.read_csv(fleet / "store_status.csv", dtype=str)
    old = polls["timestamp_utc"] < "2024-10-30"
    recent = [lines[0]] + [line for line, o in zip(lines[1:], old, strict=True) if not o]
    late = [lines[0]] + [line for line, o in zip(lines[1:], old, strict=True) if o]
    (folder / "store_status_1.csv").write_text("".join(recent))
    database = tmp_path / "storemon.duckdb"
    ingest(folder, database, options=LoadOptions(retention_days=3))
    (folder / "store_status_0_late.csv").write_text("".join(late))
    ingest(folder, database, options=LoadOptions(retention_days=3))

    con = duckdb.connect(str(database), read_only=True)
    (n_hot_old,) = con.execute(
        "select count(*) from store_status where timestamp_utc < '2024-10-30'"
    ).fetchone()
    con.close()
    cold = (
        duckdb.connect().sql(f"select * from read_parquet('{tmp_path}/archive/**/*.parquet')").df()
    )
    assert n_hot_old == 0
    assert (cold["timestamp_utc"] < pd.Timestamp("2024-10-30")).sum() == old.sum()
    assert compute_report(database, as_of="2024-10-31T12:00:00Z").equals(
        compute_report(fleet, as_of="2024-10-31T12:00:00Z")
    )


def test_a_report_on_a_snapshot_whose_archive_day_was_rewritten_runs_again_on_the_new_one(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A load that replaces a changed file rewrites its archived days and deletes the old Parquet
    files; a report that opened the previous database is told so, and compute_report runs again
    on the database now in place."""
    folder = tmp_path / "drops"
    folder.mkdir()
    for name in ("menu_hours.csv", "timezones.csv", "store_status.csv"):
        shutil.copy(fleet / name, folder / name)
    database = tmp_path / "storemon.duckdb"
    ingest(folder, database, options=LoadOptions(retention_days=3))
    as_of = "2024-10-29T12:00:00Z"  # a week that lies in the archive
    before = compute_report(database, as_of=as_of)

    old = tmp_path / "old"  # the snapshot a report opened: the database file and its archive
    old.mkdir()
    shutil.copyfile(database, old / "storemon.duckdb")
    (old / "archive").symlink_to(tmp_path / "archive")
    lines = (folder / "store_status.csv").read_text().splitlines(keepends=True)
    changed = [lines[0]] + [line.replace(",inactive,", ",active,") for line in lines[1:]]
    (folder / "store_status.csv").write_text("".join(changed))  # re-exported, other content
    ingest(folder, database, options=LoadOptions(retention_days=3))

    stale = db.connect(old / "storemon.duckdb", read_only=True)
    with pytest.raises(SnapshotSuperseded, match="replaced by a load.*run the report again"):
        report_from_connection(stale, parse_as_of(as_of), "nearest")
    stale.close()

    opened = []
    real_open = report_module.open_source

    @contextmanager
    def first_the_old_snapshot(source):
        target = source if opened else old / "storemon.duckdb"
        opened.append(target)
        with real_open(target) as con:
            yield con

    monkeypatch.setattr(report_module, "open_source", first_the_old_snapshot)
    after = compute_report(database, as_of=as_of)
    assert opened == [old / "storemon.duckdb", database]
    opened.clear()  # the report job's reading runs again the same way
    monkeypatch.setattr(reading_module, "open_source", first_the_old_snapshot)
    reading = reading_module.build_reading(database, as_of=as_of)
    assert opened == [old / "storemon.duckdb", database]
    assert reading.report.equals(after)
    reference = compute_reference(
        pd.read_csv(folder / "store_status.csv", dtype=str),
        pd.read_csv(folder / "menu_hours.csv", dtype=str),
        pd.read_csv(folder / "timezones.csv", dtype=str),
        as_of=as_of,
    )
    assert report_differences(after, reference) == []
    assert not after.equals(before)


def kept_listing(database: Path) -> pd.DataFrame:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("select path, day from archive_instant_files order by day").df()
    finally:
        con.close()


def inputs_of(folder: Path) -> list[pd.DataFrame]:
    names = ("store_status", "menu_hours", "timezones")
    return [pd.read_csv(folder / f"{name}.csv", dtype=str) for name in names]


def test_each_archived_day_keeps_its_instants_and_reports_read_them(fleet: Path, tmp_path: Path):
    database = tmp_path / "storemon.duckdb"
    ingest(fleet, database, options=LoadOptions(retention_days=3))
    folder = archive_dir(database)
    kept = kept_listing(database)
    days = sorted(p.name for p in folder.iterdir() if p.is_dir())
    assert [f"date={d:%Y-%m-%d}" for d in kept["day"]] == days, "one kept file per archived day"
    assert all((folder / path).is_file() for path in kept["path"])

    as_of = "2024-10-30T18:00:00Z"  # its week lies in the archive
    expected = compute_reference(*inputs_of(fleet), as_of=as_of)
    assert report_differences(compute_report(database, as_of=as_of), expected) == []

    # the report reads the kept instants, not the polls: flip every kept status to inactive (and
    # the status each one's link names)
    for path in kept["path"]:
        target = str(folder / path)
        flip = (
            "select store_key, t_us, false as active, in_hours, "
            "(prev_packed >> 1) << 1 as prev_packed from read_parquet($f)"
        )
        rows = duckdb.connect().execute(flip, {"f": target}).df()
        duckdb.connect().from_df(rows).write_parquet(target)
    flipped = compute_report(database, as_of=as_of).merge(
        expected.astype({"store_id": str}), on="store_id", suffixes=("", "_expected")
    )
    assert len(flipped) == len(expected)
    assert (flipped["uptime_last_week"] < flipped["uptime_last_week_expected"]).any()


# The store given new, shorter hours (its kept instants in the old hours would be wrong): the one
# with the lowest key, or the highest (reading the kept instants keeps the range of the current
# stores' keys, less the others in it).
@pytest.mark.parametrize("key", ["lowest", "highest"])
def test_a_store_with_new_hours_reads_its_archived_days_from_their_polls(
    key: str, fleet: Path, tmp_path: Path
):
    data = Path(shutil.copytree(fleet, tmp_path / "data"))
    polls = pd.read_csv(data / "store_status.csv", dtype=str)
    store = min(polls["store_id"]) if key == "lowest" else max(polls["store_id"])
    # down at every third of its polls, so that the hours it is observed in matter
    mine = polls.index[polls["store_id"] == store]
    polls.loc[mine[::3], "status"] = "inactive"
    polls.to_csv(data / "store_status.csv", index=False)
    database = tmp_path / "storemon.duckdb"
    ingest(data, database, options=LoadOptions(retention_days=3))
    with duckdb.connect(str(database), read_only=True) as con:
        keys = con.execute("select store_id from stores order by store_key").fetchall()
    assert (keys[0] if key == "lowest" else keys[-1]) == (store,)
    hours = pd.read_csv(data / "menu_hours.csv", dtype=str)
    new_hours = pd.DataFrame(
        {
            "store_id": store,
            "dayOfWeek": [str(day) for day in range(7)],
            "start_time_local": "11:00:00",
            "end_time_local": "13:30:00",
        }
    )
    hours = pd.concat([hours[hours["store_id"] != store], new_hours[hours.columns]])
    hours.to_csv(data / "menu_hours.csv", index=False)
    ingest(data, database, options=LoadOptions(retention_days=3))
    assert len(kept_listing(database)) > 0, "the kept instants stay for the other stores"

    for as_of in ("2024-10-30T18:00:00Z", "2024-11-02T07:15:00Z"):
        report = compute_report(database, as_of=as_of)
        expected = compute_reference(*inputs_of(data), as_of=as_of)
        assert report_differences(report, expected) == [], as_of
        assert report.equals(compute_report(data, as_of=as_of))
    trend = compute_trend(database, as_of="2024-11-02T07:15:00Z", window="day", periods=6)
    assert trend.equals(compute_trend(data, as_of="2024-11-02T07:15:00Z", window="day", periods=6))


def test_a_day_whose_polls_change_stops_listing_its_kept_instants(fleet: Path, tmp_path: Path):
    folder = drop_folder(tmp_path, fleet)
    lines = (fleet / "store_status.csv").read_text().splitlines(keepends=True)
    late_day = [lines[0]] + [line for line in lines[1:] if "2024-10-28 1" in line]
    (folder / "store_status.csv").write_text(
        "".join([lines[0]] + [line for line in lines[1:] if "2024-10-28 1" not in line])
    )
    database = tmp_path / "storemon.duckdb"
    ingest(folder, database, options=LoadOptions(retention_days=3))
    kept = kept_listing(database)
    day = pd.Timestamp("2024-10-28").date()
    (old_path,) = kept.loc[[pd.Timestamp(d).date() == day for d in kept["day"]], "path"]

    (folder / "store_status_late.csv").write_text("".join(late_day))  # polls of an archived day
    ingest(folder, database, options=LoadOptions(retention_days=3))
    now_kept = kept_listing(database)
    assert day not in {pd.Timestamp(d).date() for d in now_kept["day"]}
    assert len(now_kept) == len(kept) - 1
    assert not (archive_dir(database) / old_path).exists(), "its file is deleted"
    as_of = "2024-10-29T12:00:00Z"
    report = compute_report(database, as_of=as_of)
    expected = compute_reference(*inputs_of(fleet), as_of=as_of)
    assert report_differences(report, expected) == []
