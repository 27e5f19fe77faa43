"""Incremental ingest on real DuckDB files: unchanged files skipped, grown files load their new
lines only, changed files replace their rows, and any split of the polls into drops (loaded in
any order, late drops included, with a short retention so the archive is used) gives the same
polls and the same report as one bulk load, equal to the brute-force reference."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cases import (
    drop_folder,
    link_differences,
    load_property,
    report_differences,
    store_day_differences,
)
from hypothesis import given
from hypothesis import strategies as st
from reference import compute_reference

from storemon.engine.archive import archive_dir
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.report import compute_report
from storemon.synthetic.generate import generate


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six stores polled over 12 days (hours, zones and one status file)."""
    folder = tmp_path_factory.mktemp("fleet")
    generate(folder, stores=6, days=12, start="2024-10-25T00:00:00Z", seed=3)
    return folder


def poll_lines(fleet: Path) -> list[str]:
    """The data lines of the fleet's status file (its header is ``header(fleet)``)."""
    return (fleet / "store_status.csv").read_text().splitlines(keepends=True)[1:]


def header(fleet: Path) -> str:
    return (fleet / "store_status.csv").read_text().splitlines(keepends=True)[0]


def as_polls(lines: list[str]) -> list[tuple]:
    """Lines ``store_id,status,timestamp`` as (store, instant, status), the database's form."""
    rows = [line.strip().split(",") for line in lines]
    return [(s, pd.Timestamp(t.removesuffix(" UTC")).to_pydatetime(), a) for s, a, t in rows]


def reference(fleet: Path, as_of: str | None = None) -> pd.DataFrame:
    polls = pd.read_csv(fleet / "store_status.csv", dtype=str)
    hours = pd.read_csv(fleet / "menu_hours.csv", dtype=str)
    zones = pd.read_csv(fleet / "timezones.csv", dtype=str)
    return compute_reference(polls, hours, zones, as_of=as_of)


def all_polls(database: Path) -> list[tuple]:
    """Hot and archived polls of a database, each (store, instant, status), sorted."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        hot = con.execute("select store_id, timestamp_utc, status from store_status").fetchall()
        files = [
            archive_dir(database) / p
            for (p,) in con.execute("select path from archive_files").fetchall()
        ]
    finally:
        con.close()
    cold = []
    if files:
        cold = (
            duckdb.connect()
            .execute(
                "select store_id, timestamp_utc, status from read_parquet(?)",
                [[str(f) for f in files]],
            )
            .fetchall()
        )
    return sorted(hot + cold)


def latest_of_days(database: Path) -> int | None:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select max(last_any_us) from store_days").fetchone()[0]


def latest_poll_held(database: Path) -> int | None:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select epoch_us(max(timestamp_utc)) from store_status").fetchone()[0]


@load_property(6)
@given(data=st.data())
@pytest.mark.slow
def test_any_split_in_any_order_equals_one_bulk_load_and_the_reference(
    fleet: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
):
    lines = poll_lines(fleet)
    cuts = sorted(data.draw(st.sets(st.integers(1, len(lines) - 1), max_size=4)))
    pieces = [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)], strict=True)]
    order = data.draw(st.permutations(range(len(pieces))))
    retention = data.draw(st.integers(2, 6))
    tmp = tmp_path_factory.mktemp("split")
    folder = drop_folder(tmp, fleet)
    database = tmp / "storemon.duckdb"
    for n, i in enumerate(order):
        (folder / f"store_status_{n:02d}.csv").write_text(header(fleet) + "".join(pieces[i]))
        ingest(folder, database, options=LoadOptions(retention_days=retention))
    bulk = tmp / "bulk.duckdb"
    ingest(fleet, bulk, options=LoadOptions(retention_days=retention))
    all_hot = tmp / "all_hot.duckdb"
    ingest(fleet, all_hot, options=LoadOptions(retention_days=10_000))

    assert all_polls(database) == all_polls(bulk)
    # each hot in-hours instant is linked to its predecessor, however the polls came
    assert link_differences(database, all_hot) == []
    assert link_differences(bulk, all_hot) == []
    assert link_differences(all_hot, all_hot) == []
    # each hot day's last observations are those of its instants, however the polls came
    assert store_day_differences(database) == []
    assert store_day_differences(bulk) == []
    # and the latest of them is the latest poll held (the retention window is counted from it)
    assert latest_of_days(database) == latest_poll_held(database)
    assert len(all_polls(database)) == len(set(all_polls(database)))  # none twice
    con = duckdb.connect(str(database), read_only=True)
    assert con.execute("select count(*) from archive_files").fetchone()[0] > 0  # archive used
    con.close()
    for as_of in (None, "2024-10-31T15:30:00Z"):  # the second: its week is in the archive
        report = compute_report(database, as_of=as_of)
        assert report.equals(compute_report(bulk, as_of=as_of))
        assert report_differences(report, reference(fleet, as_of)) == []


def test_a_store_silent_for_days_links_its_next_poll_to_its_last_before_the_silence(
    fleet: Path, tmp_path: Path
):
    """A drop links each store's first poll in hours to its previous one in hours, read from the
    summaries of the recent days; a store silent for longer reads the days before them."""
    lines = poll_lines(fleet)
    silent = lines[0].split(",")[0]
    start, resume = pd.Timestamp("2024-10-28"), pd.Timestamp("2024-11-02")

    def when(line: str) -> pd.Timestamp:
        return pd.Timestamp(line.strip().split(",")[2].removesuffix(" UTC"))

    kept = [
        line
        for line in lines
        if not (line.startswith(silent + ",") and start <= when(line) < resume)
    ]
    polls = tmp_path / "polls"
    shutil.copytree(fleet, polls)
    (polls / "store_status.csv").write_text(header(fleet) + "".join(kept))
    folder = drop_folder(tmp_path, fleet)
    database = tmp_path / "storemon.duckdb"
    before = [line for line in kept if when(line) < resume]
    for n, part in enumerate((before, [line for line in kept if when(line) >= resume])):
        (folder / f"store_status_{n}.csv").write_text(header(fleet) + "".join(part))
        ingest(folder, database)
    all_hot = tmp_path / "all_hot.duckdb"
    ingest(polls, all_hot, options=LoadOptions(retention_days=10_000))
    assert link_differences(database, all_hot) == []
    assert store_day_differences(database) == []


def test_a_poll_repeated_with_the_other_status_makes_its_instant_and_day_inactive(
    fleet: Path, tmp_path: Path
):
    folder = drop_folder(tmp_path, fleet)
    lines = poll_lines(fleet)
    last = [line for line in lines if ",active," in line][-1]
    flipped = last.replace(",active,", ",inactive,")
    (folder / "store_status.csv").write_text(header(fleet) + "".join(lines))
    database = tmp_path / "storemon.duckdb"
    ingest(folder, database, options=LoadOptions(retention_days=10_000))
    (folder / "store_status_late.csv").write_text(header(fleet) + flipped)  # a later drop
    ingest(folder, database, options=LoadOptions(retention_days=10_000))
    twice = tmp_path / "twice.duckdb"  # the same poll twice in one file
    (folder / "store_status_late.csv").unlink()
    (folder / "store_status.csv").write_text(header(fleet) + "".join(lines) + flipped)
    ingest(folder, twice, options=LoadOptions(retention_days=10_000))

    store, _, stamp = last.strip().split(",")
    t_us = pd.Timestamp(stamp.removesuffix(" UTC")).value // 1000
    for db_path in (database, twice):
        con = duckdb.connect(str(db_path), read_only=True)
        held = con.execute(
            "select p.active from poll_instants p join stores s using (store_key) "
            "where s.store_id = ? and p.t_us = ?",
            [store, t_us],
        ).fetchall()
        con.close()
        assert held == [(False,)]  # one instant, inactive
        assert store_day_differences(db_path) == []
    assert compute_report(database).equals(compute_report(twice))


def test_unchanged_files_are_skipped_and_a_grown_file_loads_only_its_new_lines(
    fleet: Path, tmp_path: Path
):
    folder = drop_folder(tmp_path, fleet)
    lines = poll_lines(fleet)
    status = folder / "store_status.csv"
    status.write_text(header(fleet) + "".join(lines[:100]))
    database = tmp_path / "storemon.duckdb"
    ingest(folder, database)

    again = ingest(folder, database)
    assert {f.action for f in again.files} == {"skip"}
    assert "(unchanged since its last load: not read)" in again.render()

    stat = status.stat()  # touched: a new mtime, the same bytes -> skipped, the new mtime noted
    os.utime(status, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    touched = ingest(folder, database)
    assert {f.action for f in touched.files} == {"skip"}
    con = duckdb.connect(str(database), read_only=True)
    noted = con.execute(
        "select mtime_ns from files where source_file = 'store_status.csv'"
    ).fetchone()[0]
    con.close()
    assert noted == stat.st_mtime_ns + 10**9

    with status.open("a") as stream:
        stream.write("".join(lines[100:130]) + "A,active,yesterday\n" + "".join(lines[130:140]))
    grown = ingest(folder, database)
    part = next(f for f in grown.files if f.file == "store_status.csv")
    assert (part.action, part.rows_read, part.rows_rejected) == ("append", 41, 1)
    con = duckdb.connect(str(database), read_only=True)
    # the reject names its real line: header + 130 polls, then the bad line is line 132
    assert con.execute("select line, reason from rejects").fetchall() == [
        (132, "unparseable timestamp 'yesterday'")
    ]
    assert con.execute("select count(*) from store_status").fetchone()[0] == len(set(lines[:140]))
    con.close()


@pytest.mark.slow
def test_a_changed_file_replaces_its_rows_and_keeps_polls_other_files_hold(
    fleet: Path, tmp_path: Path
):
    folder = drop_folder(tmp_path, fleet)
    lines = poll_lines(fleet)
    first, second = folder / "store_status_1.csv", folder / "store_status_2.csv"
    first.write_text(header(fleet) + "".join(lines[:60]))
    second.write_text(header(fleet) + "".join(lines[50:80]))  # 10 polls in both files
    database = tmp_path / "storemon.duckdb"
    ingest(folder, database)

    flipped = lines[10].replace(",active,", ",inactive,")
    if flipped == lines[10]:
        flipped = lines[10].replace(",inactive,", ",active,")
    first.write_text(header(fleet) + "".join([*lines[:10], flipped, *lines[11:40]]))
    summary = ingest(folder, database)
    assert next(f for f in summary.files if f.file == first.name).action == "replace"
    assert "its earlier rows replaced" in summary.render()

    expected = sorted(set(as_polls([*lines[:10], flipped, *lines[11:40], *lines[50:80]])))
    assert all_polls(database) == expected
    both = tmp_path / "both"
    both.mkdir()
    for name in ("menu_hours.csv", "timezones.csv", first.name, second.name):
        shutil.copy(folder / name, both / name)
    assert compute_report(database).equals(compute_report(both))


@pytest.mark.slow
def test_changed_hours_rebuild_the_report_as_a_fresh_load_does(fleet: Path, tmp_path: Path):
    folder = drop_folder(tmp_path, fleet)
    shutil.copy(fleet / "store_status.csv", folder / "store_status.csv")
    database = tmp_path / "storemon.duckdb"
    ingest(folder, database)
    hours = (folder / "menu_hours.csv").read_text().splitlines(keepends=True)
    (folder / "menu_hours.csv").write_text("".join(hours[:1] + hours[8:]))  # a store loses rows
    ingest(folder, database)
    fresh = tmp_path / "fresh.duckdb"
    ingest(folder, fresh)
    assert compute_report(database).equals(compute_report(fresh))
    polls = pd.read_csv(folder / "store_status.csv", dtype=str)
    expected = compute_reference(
        polls,
        pd.read_csv(folder / "menu_hours.csv", dtype=str),
        pd.read_csv(folder / "timezones.csv", dtype=str),
    )
    assert report_differences(compute_report(database), expected) == []


def test_a_first_load_links_its_instants_as_a_load_into_a_held_database_does(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Into a database holding no instant, one window links the load's instants
    (link_first_load); the general path (link_instants, merge_poll_instants) gives the same."""
    from storemon.engine import db, pipeline

    ran: list[tuple[str, ...]] = []
    run_steps = db.run_steps

    def spy(con, names, **params):
        ran.append(tuple(names))
        run_steps(con, ran[-1], **params)

    monkeypatch.setattr(db, "run_steps", spy)
    first = tmp_path / "first.duckdb"
    ingest(fleet, first, options=LoadOptions(retention_days=4))
    assert pipeline.DERIVE_FIRST_MERGE in ran and pipeline.DERIVE_MERGE not in ran
    ran.clear()
    monkeypatch.setattr(pipeline, "DERIVE_FIRST_MERGE", pipeline.DERIVE_MERGE)
    general = tmp_path / "general.duckdb"
    ingest(fleet, general, options=LoadOptions(retention_days=4))
    assert pipeline.DERIVE_MERGE in ran

    queries = {
        "poll_instants": "select s.store_id, p.* exclude (store_key) from poll_instants p "
        "join stores s using (store_key) order by all",
        "store_days": "select s.store_id, d.* exclude (store_key) from store_days d "
        "join stores s using (store_key) order by all",
        "stores": "select * exclude (store_key) from stores order by all",
    }
    for table, query in queries.items():
        with duckdb.connect(str(first), read_only=True) as a:
            rows = a.execute(query).fetchall()
        with duckdb.connect(str(general), read_only=True) as b:
            assert rows == b.execute(query).fetchall(), table
        assert rows, table


def test_a_first_load_keeps_its_instants_in_time_order_in_a_file(fleet: Path, tmp_path: Path):
    """A database file gets its instants in time order (a report reads its week's row groups);
    one in memory, read by one report, gets them unsorted: the same instants either way."""
    from storemon.engine import db
    from storemon.engine.load import load_folder

    query = "select store_key, t_us, active, in_hours, prev_packed from poll_instants"
    loaded = {}
    for name in ("file", "memory"):
        con = db.connect(str(tmp_path / "file.duckdb")) if name == "file" else db.connect()
        load_folder(con, fleet)
        loaded[name] = sorted(con.execute(query).fetchall())
        if name == "file":
            out_of_order = con.execute(
                "select count(*) from (select t_us, store_key, lag(t_us) over w as t_before,"
                " lag(store_key) over w as key_before from poll_instants window w as"
                " (order by rowid))"
                " where t_before > t_us or t_before = t_us and key_before > store_key"
            ).fetchall()
            assert out_of_order == [(0,)]
        con.close()
    assert loaded["file"] == loaded["memory"] and loaded["file"]
