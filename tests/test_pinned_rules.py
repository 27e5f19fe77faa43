"""Rules pinned exactly, each against an independent answer: polls that disagree across files and
loads (inactive wins, whatever the order), the hot window's first instant, and half-up rounding of
the report's macro on any tick count."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cases import report_differences
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reference import compute_reference, round_half_up

from storemon.engine import db
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.report import compute_report

START = datetime(2024, 11, 4, 0, 30)  # a Monday
HOURS = "store_id,dayOfWeek,start_time_local,end_time_local\n" + "".join(
    f"s1,{day},08:00:00,20:00:00\n" for day in range(7)
)
ZONES = "store_id,timezone_str\ns1,America/New_York\ns2,America/Denver\n"


def polls(status: str, store: str = "s1", hours: int = 72) -> str:
    rows = [
        f"{store},{START + timedelta(hours=h):%Y-%m-%d %H:%M:%S} UTC,{status}\n"
        for h in range(hours)
    ]
    return "store_id,timestamp_utc,status\n" + "".join(rows)


def folder(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "menu_hours.csv").write_text(HOURS)
    (path / "timezones.csv").write_text(ZONES)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


# Every instant of s1 is polled twice, active in one file and inactive in the other; s2's polls
# agree, so that a load of the second file alone adds polls to an existing store.
ACTIVE = polls("active") + polls("active", "s2")[len("store_id,timestamp_utc,status\n") :]
INACTIVE = polls("inactive") + polls("active", "s2")[len("store_id,timestamp_utc,status\n") :]


@pytest.mark.parametrize("first", ["active", "inactive"])
@pytest.mark.parametrize("loads", ["one load", "two loads"])
def test_polls_that_disagree_across_files_and_loads_count_inactive(
    tmp_path: Path, first: str, loads: str
):
    texts = {"active": ACTIVE, "inactive": INACTIVE}
    second = "inactive" if first == "active" else "active"
    database = tmp_path / "storemon.duckdb"
    data = folder(tmp_path / "data", {"store_status_1.csv": texts[first]})
    if loads == "two loads":
        ingest(data, database)
    (data / "store_status_2.csv").write_text(texts[second])
    ingest(data, database)
    every = pd.concat(
        [pd.read_csv(data / f"store_status_{n}.csv", dtype=str) for n in (1, 2)],
        ignore_index=True,
    )
    expected = compute_reference(
        every,
        pd.read_csv(data / "menu_hours.csv", dtype=str),
        pd.read_csv(data / "timezones.csv", dtype=str),
    )
    report = compute_report(database)
    assert report_differences(report, expected) == []
    s1 = report.set_index("store_id").loc["s1"]
    assert s1["uptime_last_week"] == 0 and s1["downtime_last_week"] > 0  # inactive won
    assert compute_report(data).equals(report)  # a folder read in memory agrees


def test_the_hot_window_starts_at_the_utc_midnight_retention_days_before_the_latest_poll(
    tmp_path: Path,
):
    """Latest poll 2024-11-06 23:30 UTC, 2 days kept: the hot window starts 2024-11-04 00:00."""
    lines = ["store_id,timestamp_utc,status\n"]
    edges = ["2024-11-03 23:59:59.999999", "2024-11-04 00:00:00", "2024-11-06 23:30:00"]
    lines += [f"s1,{instant} UTC,active\n" for instant in edges]
    data = folder(tmp_path / "data", {"store_status.csv": "".join(lines)})
    database = tmp_path / "storemon.duckdb"
    ingest(data, database, options=LoadOptions(retention_days=2))
    con = duckdb.connect(str(database), read_only=True)
    (cutoff,) = con.execute("select make_timestamp(cutoff_us) from hot_window").fetchone()
    hot = [
        str(t)
        for (t,) in con.execute("select timestamp_utc from store_status order by 1").fetchall()
    ]
    con.close()
    assert cutoff == datetime(2024, 11, 4)
    assert hot == ["2024-11-04 00:00:00", "2024-11-06 23:30:00"]
    cold = duckdb.sql(f"select timestamp_utc from read_parquet('{tmp_path}/archive/*/*.parquet')")
    assert [str(t) for (t,) in cold.fetchall()] == ["2024-11-03 23:59:59.999999"]


UNITS = {"minutes": 1_200_000, "hours": 72_000_000}  # ticks (half-microseconds) per hundredth


@st.composite
def tick_counts(draw: st.DrawFn) -> tuple[int, int]:
    """A unit and a tick count, often exactly on a half-hundredth or one tick either side."""
    unit = UNITS[draw(st.sampled_from(sorted(UNITS)))]
    hundredths = draw(st.integers(0, 10_000_000))
    offset = draw(st.one_of(st.integers(0, unit - 1), st.sampled_from([unit // 2 - 1, unit // 2])))
    return hundredths * unit + offset, unit


@settings(max_examples=300, deadline=None)
@given(tick_counts())
@example((2_111_483_648, UNITS["hours"]))  # bound as an INTEGER: + half a unit passes 2^31
def test_the_rounding_macro_rounds_half_up_on_the_exact_figure(case: tuple[int, int]):
    ticks, unit = case
    con = db.connect()
    (value,) = con.execute("select hundredths_half_up($t, $u)", {"t": ticks, "u": unit}).fetchone()
    con.close()
    assert value == round_half_up(Fraction(ticks, unit * 100))
