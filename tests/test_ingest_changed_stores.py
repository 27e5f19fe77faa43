"""Loads that change some stores (their hours, their zone, or their polls with a changed file)
derive those stores' rows again, alone, and give the same database as one bulk load of the final
files: every derived row, the reports (a week in the archive too) and the reference agree."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cases import link_differences, load_property, report_differences
from hypothesis import given
from hypothesis import strategies as st
from reference import compute_reference

from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.report import compute_report
from storemon.synthetic.generate import generate

DERIVED = {
    "stores": "select store_id, first_us, first_in_hours_us, cold_hours_us, cold_hours_active, "
    "cold_any_us, cold_any_active from stores",
    "poll_instants": "select s.store_id, p.t_us, p.active, p.in_hours, p.prev_packed "
    "from poll_instants p join stores s using (store_key)",
    "store_days": "select s.store_id, d.* exclude (store_key) "
    "from store_days d join stores s using (store_key)",
    "store_zones": "select s.store_id, z.* exclude (store_key) "
    "from store_zones z join stores s using (store_key)",
    "weekly_spans": "select s.store_id, w.* exclude (store_key) "
    "from weekly_spans w join stores s using (store_key)",
    "day_spans": "select s.store_id, d.* exclude (store_key) "
    "from day_spans d join stores s using (store_key)",
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six stores polled over 12 days."""
    folder = tmp_path_factory.mktemp("fleet")
    generate(folder, stores=6, days=12, start="2024-10-25T00:00:00Z", seed=3)
    return folder


def derived_rows(database: Path) -> dict[str, list[tuple]]:
    """Every derived table of a database, rows named by store id (keys differ by load order)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {
            table: sorted(con.execute(sql).fetchall(), key=repr) for table, sql in DERIVED.items()
        }
    finally:
        con.close()


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def rewrite(path: Path, lines: list[str]) -> None:
    """Write a file again, its mtime a second later (a rewrite of the same size within the
    clock's tick would otherwise look unchanged, as it would to make or rsync)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text("".join(lines))
    later = max(path.stat().st_mtime_ns, before + 1_000_000_000)
    os.utime(path, ns=(later, later))


def change_hours(lines: list[str], store: str, how: str) -> list[str]:
    """The hours file with one store's rows removed, or its closing times moved 30 minutes."""
    head, rows = lines[:1], [line for line in lines[1:] if line.split(",")[0] == store]
    others = [line for line in lines[1:] if line.split(",")[0] != store]
    if how == "remove":
        return head + others
    moved = []
    for line in rows:
        store_id, day, start, end = line.strip().split(",")
        hour, minute = int(end[:2]), int(end[3:5])
        minute = (hour * 60 + minute + 30) % (24 * 60)
        moved.append(f"{store_id},{day},{start},{minute // 60:02d}:{minute % 60:02d}:00\n")
    return head + others + moved


def change_zone(lines: list[str], store: str, zone: str | None) -> list[str]:
    """The zone file with one store's zone replaced (or its row removed: the default zone)."""
    kept = [line for line in lines[1:] if line.split(",")[0] != store]
    return lines[:1] + kept + ([] if zone is None else [f"{store},{zone}\n"])


@load_property(8)
@given(data=st.data())
@pytest.mark.slow
def test_changed_stores_are_derived_again_alone_as_one_bulk_load_derives_them(
    fleet: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
):
    polls = lines_of(fleet / "store_status.csv")
    header, polls = polls[0], polls[1:]
    stores = sorted({line.split(",")[0] for line in polls})
    cut = data.draw(st.integers(len(polls) // 3, len(polls) - 1), label="first drop ends")
    retention = data.draw(st.integers(2, 5), label="retention days")
    tmp = tmp_path_factory.mktemp("changed")
    folder = tmp / "drops"
    folder.mkdir()
    for name in ("menu_hours.csv", "timezones.csv"):
        shutil.copy(fleet / name, folder / name)
    first, second = folder / "store_status_1.csv", folder / "store_status_2.csv"
    first.write_text(header + "".join(polls[:cut]))
    database = tmp / "storemon.duckdb"
    options = LoadOptions(retention_days=retention)
    ingest(folder, database, options=options)

    # the second load: the rest of the polls, with some stores changed
    second.write_text(header + "".join(polls[cut:]))
    with_hours = {line.split(",")[0] for line in lines_of(fleet / "menu_hours.csv")[1:]}
    hours_store = data.draw(st.sampled_from(sorted(with_hours)), label="hours change")
    how = data.draw(st.sampled_from(["remove", "move", "keep"]), label="how")
    if how != "keep":
        rewrite(
            folder / "menu_hours.csv",
            change_hours(lines_of(folder / "menu_hours.csv"), hours_store, how),
        )
    zone_store = data.draw(st.sampled_from(stores), label="zone change")
    zone = data.draw(
        st.sampled_from(["keep", "Asia/Kolkata", "Australia/Lord_Howe", None]), label="zone"
    )
    if zone != "keep":
        rewrite(
            folder / "timezones.csv",
            change_zone(lines_of(folder / "timezones.csv"), zone_store, zone),
        )
    if data.draw(st.booleans(), label="a store's polls leave the first file"):
        gone = data.draw(st.sampled_from(stores), label="store without early polls")
        rewrite(first, [header] + [line for line in polls[:cut] if line.split(",")[0] != gone])
    ingest(folder, database, options=options)

    bulk_folder = tmp / "bulk"
    bulk_folder.mkdir()
    for name in ("menu_hours.csv", "timezones.csv"):
        shutil.copy(folder / name, bulk_folder / name)
    final_polls = lines_of(first)[1:] + lines_of(second)[1:]
    (bulk_folder / "store_status.csv").write_text(header + "".join(final_polls))
    bulk = tmp / "bulk.duckdb"
    ingest(bulk_folder, bulk, options=options)

    assert derived_rows(database) == derived_rows(bulk)
    all_hot = tmp / "all_hot.duckdb"
    ingest(bulk_folder, all_hot, options=LoadOptions(retention_days=10_000))
    assert link_differences(database, all_hot) == []
    inputs = [
        pd.read_csv(bulk_folder / f"{name}.csv", dtype=str)
        for name in ("store_status", "menu_hours", "timezones")
    ]
    for as_of in (None, "2024-10-29T15:30:00Z"):  # the second: its week is in the archive
        report = compute_report(database, as_of=as_of)
        assert report.equals(compute_report(bulk, as_of=as_of)), as_of
        assert report_differences(report, compute_reference(*inputs, as_of=as_of)) == []


@pytest.mark.slow
def test_a_store_whose_polls_are_all_archived_keeps_its_history_when_its_hours_change(
    fleet: Path, tmp_path: Path
):
    """Its rows are derived again from the archive: a report of a past week still counts it."""
    polls = lines_of(fleet / "store_status.csv")
    header, polls = polls[0], polls[1:]
    with_hours = {line.split(",")[0] for line in lines_of(fleet / "menu_hours.csv")[1:]}
    early = sorted(with_hours & {line.split(",")[0] for line in polls})[0]
    folder = tmp_path / "drops"
    folder.mkdir()
    for name in ("menu_hours.csv", "timezones.csv"):
        shutil.copy(fleet / name, folder / name)
    # the store is polled only in the first days, which leave the hot window
    kept = [
        line for line in polls if line.split(",")[0] != early or line.split(",")[2] < "2024-10-28"
    ]
    (folder / "store_status.csv").write_text(header + "".join(kept))
    database = tmp_path / "storemon.duckdb"
    options = LoadOptions(retention_days=3)
    ingest(folder, database, options=options)
    rewrite(
        folder / "menu_hours.csv", change_hours(lines_of(folder / "menu_hours.csv"), early, "move")
    )
    ingest(folder, database, options=options)

    fresh = tmp_path / "fresh.duckdb"
    ingest(folder, fresh, options=options)
    assert derived_rows(database) == derived_rows(fresh)
    as_of = "2024-10-28T00:00:00Z"
    report = compute_report(database, as_of=as_of)
    assert early in set(report["store_id"])
    inputs = [
        pd.read_csv(folder / f"{name}.csv", dtype=str)
        for name in ("store_status", "menu_hours", "timezones")
    ]
    assert report_differences(report, compute_reference(*inputs, as_of=as_of)) == []
