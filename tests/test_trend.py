"""Trends: every point equals the brute-force reference's report as of the point's end.

Hand-made cases hold the traps of cutting one pass over the span by many periods: a DST change
inside a period, hours past midnight with period ends inside them, a store first polled inside
the trend, a store first polled in business hours inside it (its older periods observe all its
polls), an outage whose neighbouring poll comes after a period's end, and periods reaching into
the Parquet archive. Each is computed on its CSV folder and on the ingested database of the same
files, for both methods and both windows; random data sets (hypothesis) follow in
test_trend_random.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from cases import Dataset, hourly, local, utc, utc_text, write_dataset
from trendkit import TREND_COLUMNS, reference_trend, trend_differences

from storemon import StoremonError, compute_report, compute_trend
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.report import parse_as_of, prepare_report, read_snapshot
from storemon.engine.trend import prepare_trends, read_trend_rows

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class TrendCase:
    """A data set and the trends asked of it: (window, periods) pairs as of one instant."""

    data: Dataset
    as_of: str | None
    trends: tuple[tuple[str, int], ...]


def dst_weeks(season: int) -> TrendCase:
    """New York around a clock change: hours touching 01:00-03:00, a Saturday-night row, 24x7.

    Polls every 2 h 10 min, so they drift over the hours and the change; ``dst_status`` is down
    on the change's Sunday in hours. Daily periods end at 12:00 local: one holds the change.
    """
    zone = "America/New_York"
    sunday = ("2024-03-10", "2024-11-03")[season]
    monday = (datetime.fromisoformat(sunday) + DAY).date().isoformat()
    now = local(zone, f"{monday} 12:00")
    data = Dataset()
    for store in ("daily_1_3", "overnight", "always", "dst_status"):
        data.zone(store, zone)
    for day in range(7):
        data.hour_row("daily_1_3", day, "01:00:00", "03:00:00")
        data.hour_row("dst_status", day, "00:30", "03:30")
    data.hour_row("overnight", 5, "23:00:00", "02:30:00")
    for n, instant in enumerate(hourly(now - 16 * DAY, now + 3 * HOUR, timedelta(minutes=130))):
        wall = instant.astimezone(ZoneInfo(zone))
        on_sunday = wall.date().isoformat() == sunday
        data.poll("daily_1_3", instant, "inactive" if n % 5 == 0 else "active")
        data.poll("overnight", instant, "inactive" if n % 3 == 0 else "active")
        data.poll("always", instant, "inactive" if n % 7 < 2 else "active")
        data.poll("dst_status", instant, "inactive" if on_sunday else "active")
    return TrendCase(data, utc_text(now), (("day", 6), ("week", 2)))


def overnight_ends() -> TrendCase:
    """Hours 22:00-02:00 in Chicago and period ends at 01:00 local, inside the open hours."""
    zone = "America/Chicago"
    now = local(zone, "2024-01-17 01:00")
    data = Dataset().zone("night", zone).zone("night_split", zone)
    for day in range(7):
        data.hour_row("night", day, "22:00:00", "02:00:00")
        data.hour_row("night_split", day, "22:00:00", "23:59:00")
        data.hour_row("night_split", (day + 1) % 7, "00:00:00", "02:00:00")
    for n, instant in enumerate(hourly(now - 16 * DAY, now, timedelta(minutes=50))):
        data.poll("night", instant, "inactive" if n % 4 == 1 else "active")
        data.poll("night_split", instant, "inactive" if n % 9 in (2, 3) else "active")
    return TrendCase(data, utc_text(now), (("day", 5), ("week", 2)))


def late_stores() -> TrendCase:
    """Stores polled for the first time inside the trend, and statuses that change after an end.

    - ``late``: first polled (in hours) four days before the end: no row in older periods.
    - ``late_in_hours``: polled out of hours for days, in hours only from two days before the
      end: the periods before observe all its polls, the later ones its polls in hours.
    - ``in_hours_after_oldest_end``: the same, in hours from an hour after the oldest daily
      period's end: only that period observes all its polls.
    - ``never_in_hours``: never polled in hours: every period observes all its polls.
    - ``after_end``: inactive just before a period's end and active 40 minutes after it, so
      nearest's switch falls before the end in the whole span but not in that period's report.
    - ``silent_then_open``: one poll out of hours a week before the end, none in the daily
      trend's look-back, then polls in hours from a day before the end: the older periods
      observe that one poll (found before the span, like a report's last observation).
    - ``down_after_end``: the other way round: active 40 minutes before an end, inactive 10
      minutes after it: the outage begins before the end in the span, not in that report.
    """
    zone = "America/Chicago"
    now = utc("2024-06-20 18:00")
    data = Dataset()
    stores = (
        "late",
        "late_in_hours",
        "in_hours_after_oldest_end",
        "never_in_hours",
        "after_end",
        "down_after_end",
        "old",
    )
    for store in (*stores, "silent_then_open"):
        data.zone(store, zone)
        data.hour_row(store, 0, "08:00", "20:00")
        for day in range(1, 7):
            data.hour_row(store, day, "08:00", "20:00")
    for instant in hourly(now - 10 * DAY, now, 3 * HOUR):
        data.poll("old", instant, "active")
    for n, instant in enumerate(hourly(now - 4 * DAY + 30 * timedelta(minutes=1), now, HOUR)):
        data.poll("late", instant, "inactive" if n % 6 == 0 else "active")
    for n, instant in enumerate(hourly(now - 9 * DAY, now, HOUR)):
        wall_hour = instant.astimezone(ZoneInfo(zone)).hour
        outside = not 8 <= wall_hour < 20
        if outside or instant >= now - 2 * DAY:
            data.poll("late_in_hours", instant, "inactive" if n % 5 < 2 else "active")
        if outside or instant > now - 5 * DAY:
            data.poll("in_hours_after_oldest_end", instant, "inactive" if n % 5 < 2 else "active")
        if outside:
            data.poll("never_in_hours", instant, "inactive" if n % 4 == 0 else "active")
    data.poll("silent_then_open", local(zone, "2024-06-13 06:00"), "inactive")
    for instant in hourly(now - DAY, now, HOUR):
        data.poll("silent_then_open", instant, "active")
    # Daily periods end at 18:00 UTC (13:00 CDT): inactive at 17:50, active at 18:40.
    for days_back in range(0, 6):
        end = now - days_back * DAY
        data.poll("after_end", end - 3 * HOUR, "active")
        data.poll("after_end", end - timedelta(minutes=10), "inactive")
        data.poll("after_end", end + timedelta(minutes=40), "active")
        data.poll("down_after_end", end - timedelta(minutes=40), "active")
        data.poll("down_after_end", end + timedelta(minutes=10), "inactive")
        data.poll("down_after_end", end + 3 * HOUR, "active")
    return TrendCase(data, utc_text(now), (("day", 6), ("week", 2)))


def outage_across_the_span_start() -> TrendCase:
    """An outage of days that the oldest daily period starts inside, its days archived.

    ``down_for_days`` is inactive from 8 days before the end to 4.5 days before it: the first
    poll in hours of the daily trend's span (an archived day) repeats the status of the one
    before the span, and the outage counts in the oldest periods from their start.
    ``flapping`` changes status every poll. Both are open 08:00-20:00 in Chicago.
    """
    zone = "America/Chicago"
    now = utc("2024-06-20 18:00")
    data = Dataset()
    for store in ("down_for_days", "flapping"):
        data.zone(store, zone)
        for day in range(7):
            data.hour_row(store, day, "08:00", "20:00")
    for n, instant in enumerate(hourly(now - 10 * DAY, now, HOUR)):
        down = now - 8 * DAY <= instant < now - 4 * DAY - 12 * HOUR
        data.poll("down_for_days", instant, "inactive" if down else "active")
        data.poll("flapping", instant, "inactive" if n % 2 else "active")
    return TrendCase(data, utc_text(now), (("day", 6), ("week", 2)))


CASES = {
    "dst_spring": lambda: dst_weeks(0),
    "dst_fall": lambda: dst_weeks(1),
    "overnight_ends": overnight_ends,
    "late_stores": late_stores,
    "outage_across_the_span_start": outage_across_the_span_start,
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Each case as a CSV folder and as a database that keeps 2 days hot (the rest archived)."""
    made = {}
    for name, case in CASES.items():
        folder = write_dataset(case().data, tmp_path_factory.mktemp(name) / "data")
        database = folder.parent / "trend.duckdb"
        ingest(folder, database, options=LoadOptions(retention_days=2))
        made[name] = (folder, database)
    return made


# carry_forward's runs need no cut at a period's end (the last observation holds to the next
# one anyway): nearest's cases run in the fast tier, carry_forward's with the slow tests
BOTH_METHODS = ["nearest", pytest.param("carry_forward", marks=pytest.mark.slow)]


@pytest.mark.parametrize("method", BOTH_METHODS)
@pytest.mark.parametrize("name", CASES)
def test_trend_points_equal_the_reference_reports(
    name: str, method: str, sources: dict[str, tuple[Path, Path]]
) -> None:
    case = CASES[name]()
    folder, database = sources[name]
    assert any((database.parent / "trend-archive").glob("date=*/*.parquet")), "archive used"
    assert any((database.parent / "trend-archive").glob("date=*/*.kept")), "kept instants read"
    for window, periods in case.trends:
        reference = reference_trend(case.data, case.as_of, window, periods, method)
        on_folder = compute_trend(folder, case.as_of, window, periods, method)
        problems = trend_differences(on_folder, reference)
        assert not problems, f"{name} {window} x{periods} {method}:\n" + "\n".join(problems)
        on_database = compute_trend(database, case.as_of, window, periods, method)
        pd.testing.assert_frame_equal(on_database, on_folder)


def test_a_trend_reads_only_the_archived_instants_its_outages_need(
    sources: dict[str, tuple[Path, Path]],
) -> None:
    """Of the kept archived instants, a trend reads fewer than a report of its span (which
    shows every poll in its timelines): those in hours that do not change the status stay out;
    the trend is still exact (test_trend_points_equal_the_reference_reports)."""
    case = CASES["dst_fall"]()
    _, database = sources["dst_fall"]
    as_of = parse_as_of(case.as_of)

    def kept(prepare) -> pd.DataFrame:
        def read(con):
            prepare(con)
            return con.sql("select * from kept_instants order by store_key, t_us").df()

        return read_snapshot(database, read)

    trend_span = 6 * 86_400_000_000
    every = kept(lambda con: prepare_report(con, as_of, "nearest", span_us=trend_span))
    some = kept(lambda con: prepare_trends(con, as_of, "nearest", {"day": 6}))
    assert len(every) > len(some) > 0
    left_out = every.merge(some, how="left", indicator=True).query("_merge == 'left_only'")
    assert len(left_out) and left_out["in_hours"].all()
    # each one left out is linked to an instant of its own status that the span read
    assert (left_out["prev_packed"] % 2 == left_out["active"].astype(int)).all()
    linked = left_out.assign(t_us=left_out["prev_packed"] // 2)[["store_key", "t_us"]]
    assert len(linked.merge(every, on=["store_key", "t_us"])) == len(left_out)


def test_late_stores_have_rows_only_from_their_first_poll(
    sources: dict[str, tuple[Path, Path]],
) -> None:
    folder, _ = sources["late_stores"]
    trend = compute_trend(folder, "2024-06-20T18:00:00Z", "day", 6)
    ends = sorted(trend["period_end"].unique())
    assert len(ends) == 6 and ends[-1] == pd.Timestamp("2024-06-20T18:00:00Z")
    late = trend[trend["store_id"] == "late"]
    assert list(late["period_end"]) == ends[-4:]  # first polled 3.5 days before the end
    assert (trend.groupby("period_end").size() == [7, 7, 8, 8, 8, 8]).all()


def test_defaults_are_the_reports_now_and_twelve_weeks(
    sources: dict[str, tuple[Path, Path]],
) -> None:
    folder, database = sources["overnight_ends"]
    trend = compute_trend(database)
    report = compute_report(database)
    newest = trend[trend["period_end"] == trend["period_end"].max()]
    assert newest["period_end"].iloc[0] == pd.Timestamp(report.attrs["now"], tz="UTC")
    assert list(newest["uptime"]) == list(report["uptime_last_week"])
    assert list(newest["downtime"]) == list(report["downtime_last_week"])
    # 16 days of polls: the periods ending before the first poll have no row (3 of 12)
    assert trend["period_end"].nunique() == 3
    assert list(trend.columns) == TREND_COLUMNS
    assert trend.attrs["window"] == "week" and trend.attrs["periods"] == 12


def test_a_trend_before_the_first_poll_is_empty(sources) -> None:
    folder, _ = sources["late_stores"]
    trend = compute_trend(folder, "2020-01-01T00:00:00Z", "day", 3)
    assert trend.empty and list(trend.columns) == TREND_COLUMNS


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"window": "month"}, "window 'month' is unknown (use week or day)"),
        ({"periods": 0}, "periods must be a whole number, 1 or more (got 0)"),
        ({"periods": 2.5}, "periods must be a whole number, 1 or more (got 2.5)"),
        ({"method": "linear"}, "method 'linear' is unknown"),
        ({"as_of": "yesterday"}, "as_of 'yesterday' is not a valid instant"),
    ],
)
def test_bad_parameters_are_plain_errors(arguments: dict, message: str, sources) -> None:
    folder, _ = sources["late_stores"]
    with pytest.raises(StoremonError, match=re.escape(message)):
        compute_trend(folder, **arguments)


def test_reports_of_one_database_file_share_their_kept_trends(sources, tmp_path: Path) -> None:
    from storemon.analysis import reading
    from storemon.analysis.trends import CACHE_DIR

    folder, database = sources["late_stores"]
    kept = {}
    for name, source in (("first", database), ("second", database), ("csv", folder)):
        out_dir = tmp_path / "reports" / name
        result = reading.compute_reading(source, out_dir=out_dir)
        result = reading.add_data_quality(reading.add_trends(result, out_dir))
        assert result.trends.note is None and len(result.trends.fleet_week) == 2
        kept[name] = {p.name: p.stat().st_ino for p in (out_dir / "trend").iterdir()}
    assert sorted(kept["first"]) == ["day.parquet", "week.parquet"]
    # a kept trend holds the rows of compute_trend, with its columns alone
    week = tmp_path / "reports" / "first" / "trend" / "week.parquet"
    expected = compute_trend(database, window="week", periods=12)
    kept_rows = duckdb.sql(f"select * from read_parquet('{week}')").df()
    assert list(kept_rows.columns) == list(expected.columns)
    # the same rows, in the same order (oldest period first, then by store_id)
    kept_in_order = read_trend_rows(week.parent, "week")
    pd.testing.assert_frame_equal(kept_in_order, expected, check_dtype=False)
    assert kept["second"] == kept["first"]  # linked, not computed again
    assert set(kept["csv"].values()).isdisjoint(kept["first"].values())  # a folder: computed
    assert len(list((tmp_path / "reports" / CACHE_DIR).iterdir())) == 1
