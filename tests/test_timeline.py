"""A store's timeline is the report seen from one store: its numbers must be the report's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from live_servers import small_fleet

from storemon import StoremonError, compute_report
from storemon.analysis.reading import build_reading
from storemon.analysis.store_week import counted_status, default_store
from storemon.analysis.weeks import span_frame
from storemon.dashboard.store_week import week_of
from storemon.engine.timeline import (
    STORE_WEEKS_DIR,
    TimelineReader,
    read_store_week,
    store_figures,
    store_timeline,
)
from storemon.jobs.store_view import StoreView

HOUR_NS = 3_600_000_000_000


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_fleet(tmp_path_factory.mktemp("timeline") / "raw", stores=25, seed=5)


@pytest.fixture
def worked_example(tmp_path: Path) -> Path:
    """docs/report.md's worked example: New York, open Monday 09:00-12:00, now Monday 18:00 UTC."""
    folder = tmp_path / "worked"
    folder.mkdir()
    (folder / "store_status.csv").write_text(
        "store_id,status,timestamp_utc\n"
        "42,inactive,2023-01-23 15:14:00 UTC\n"  # 10:14 local
        "42,active,2023-01-23 16:15:00 UTC\n"  # 11:15 local
        "42,active,2023-01-23 18:00:00 UTC\n"  # 13:00 local: closed, ignored; it is `now`
    )
    (folder / "menu_hours.csv").write_text(
        "store_id,dayOfWeek,start_time_local,end_time_local\n42,0,09:00:00,12:00:00\n"
    )
    (folder / "timezones.csv").write_text("store_id,timezone_str\n42,America/New_York\n")
    return folder


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def later(column: pd.Series) -> pd.Series:
    """Every value but the first (aligned with :func:`earlier` by position)."""
    return column.iloc[1:].reset_index(drop=True)


def earlier(column: pd.Series) -> pd.Series:
    """Every value but the last."""
    return column.iloc[:-1].reset_index(drop=True)


def hours(spans: pd.DataFrame) -> float:
    return float((spans["end"] - spans["start"]).sum() / pd.Timedelta(hours=1))


def test_worked_example_nearest(worked_example: Path):
    timeline = store_timeline(worked_example, "42")
    assert timeline.zone == "America/New_York"
    assert timeline.now == utc("2023-01-23 18:00")
    assert timeline.week_start == utc("2023-01-16 18:00")
    # Only Monday the 23rd's hours fall in the week window (the 16th's end before 18:00).
    assert timeline.business.to_dict("list") == {
        "start": [utc("2023-01-23 14:00")],
        "end": [utc("2023-01-23 17:00")],
    }
    assert list(timeline.polls["status"]) == ["inactive", "active", "active"]
    assert list(timeline.polls["in_hours"]) == [True, True, False]
    assert list(timeline.polls["observed"]) == [True, True, False]
    # Inactive from the window's start to the midpoint 15:44:30, active after it.
    assert timeline.status.to_dict("list") == {
        "start": [timeline.week_start, utc("2023-01-23 15:44:30")],
        "end": [utc("2023-01-23 15:44:30"), timeline.now],
        "status": ["inactive", "active"],
    }
    figures = store_figures(timeline)
    assert figures["downtime_last_week"] == 1.74 and figures["uptime_last_week"] == 1.26
    assert figures["downtime_last_hour"] == 0 and figures["uptime_last_hour"] == 0
    counted = counted_status(timeline)
    assert list(counted["status"]) == ["inactive", "active"]
    assert hours(counted) == 3.0


def test_worked_example_carry_forward(worked_example: Path):
    timeline = store_timeline(worked_example, "42", method="carry_forward")
    # Each observation holds until the next; before the first, the first one's status holds.
    assert list(timeline.status["status"]) == ["inactive", "active"]
    assert timeline.status["end"].iloc[0] == utc("2023-01-23 16:15")
    figures = store_figures(timeline)
    assert (figures["downtime_last_week"], figures["uptime_last_week"]) == (2.25, 0.75)


def test_worked_example_as_of_ignores_later_polls(worked_example: Path):
    timeline = store_timeline(worked_example, "42", as_of="2023-01-23T16:00:00Z")
    assert timeline.now == utc("2023-01-23 16:00")
    assert len(timeline.polls) == 1  # the 16:15 and 18:00 polls are in the future
    assert list(timeline.status["status"]) == ["inactive"]
    # The window [16th 16:00, 23rd 16:00) now holds the end of the 16th's hours too.
    assert timeline.business.to_dict("list") == {
        "start": [utc("2023-01-16 16:00"), utc("2023-01-23 14:00")],
        "end": [utc("2023-01-16 17:00"), utc("2023-01-23 16:00")],
    }


@pytest.mark.parametrize("method", ["nearest", "carry_forward"])
def test_every_store_agrees_with_the_report(fleet: Path, method: str):
    report = compute_report(fleet, method=method).set_index("store_id")
    with TimelineReader(fleet, method=method) as reader:
        for store_id, row in report.iterrows():
            timeline = reader.timeline(store_id)
            figures = store_figures(timeline)
            assert figures.pop("store_id") == store_id
            figures.pop("business_last_week")
            assert figures == row.to_dict(), store_id


def test_week_sums_equal_the_report(fleet: Path):
    """Business time and inactive business time of a few timelines, summed directly."""
    report = compute_report(fleet).set_index("store_id")
    busiest = report.sort_values("downtime_last_week", ascending=False).index[:4]
    for store_id in busiest:
        timeline = store_timeline(fleet, store_id)
        counted = counted_status(timeline)
        down = counted[counted["status"] == "inactive"]
        down_ns = int((down["end"] - down["start"]).sum().value)
        business_ns = int((timeline.business["end"] - timeline.business["start"]).sum().value)
        row = report.loc[store_id]
        # The report rounds half-up to hundredths of an hour.
        assert (down_ns + HOUR_NS // 200) // (HOUR_NS // 100) / 100 == row["downtime_last_week"]
        up_ns = business_ns - down_ns
        assert (up_ns + HOUR_NS // 200) // (HOUR_NS // 100) / 100 == row["uptime_last_week"]
        assert row["downtime_last_week"] > 0


def test_timeline_shape(fleet: Path):
    report = compute_report(fleet)
    with TimelineReader(fleet) as reader:
        for store_id in report["store_id"]:
            timeline = reader.timeline(store_id)
            status, business, polls = timeline.status, timeline.business, timeline.polls
            # The status covers the window without gaps, and runs alternate.
            assert status["start"].iloc[0] == timeline.week_start
            assert status["end"].iloc[-1] == timeline.now
            assert (later(status["start"]) == earlier(status["end"])).all()
            assert (later(status["status"]) != earlier(status["status"])).all()
            # Business spans are disjoint, ordered, inside the window.
            assert (business["start"] < business["end"]).all()
            assert (later(business["start"]) > earlier(business["end"])).all()
            assert business["start"].min() >= timeline.week_start
            assert business["end"].max() <= timeline.now
            # Polls are those of the window; observations are the in-hours ones (or all).
            assert polls["time"].between(timeline.week_start, timeline.now).all()
            assert polls["time"].is_monotonic_increasing
            if polls["in_hours"].any():
                assert (polls["observed"] == polls["in_hours"]).all()


def test_unknown_store_and_default_store(fleet: Path):
    with pytest.raises(StoremonError, match="not in this report"):
        store_timeline(fleet, "no-such-store")
    report = compute_report(fleet)
    chosen = report.set_index("store_id").loc[default_store(report)]
    both = report[["uptime_last_week", "downtime_last_week"]].min(axis=1)
    # a week with outages and recoveries, not one flat bar
    assert min(chosen["uptime_last_week"], chosen["downtime_last_week"]) == both.max() > 0
    down_all_week = report.assign(uptime_last_week=0.0, downtime_last_week=1.0)
    assert default_store(down_all_week) == min(report["store_id"])
    calm = report.assign(downtime_last_week=0.0)
    assert default_store(calm) == min(report["store_id"])
    with pytest.raises(StoremonError):
        default_store(report.iloc[0:0])


@pytest.mark.slow
@pytest.mark.parametrize("method", ["nearest", "carry_forward"])
def test_kept_store_weeks_are_the_timelines_of_the_report(
    fleet: Path, method: str, tmp_path: Path
):
    """The fleet's store views (one set-based pass, kept with the report) read back store by store
    equal each store's own timeline queries, and carry the report's row."""
    result = build_reading(fleet, method=method, out_dir=tmp_path)
    report = result.report.set_index("store_id")
    folder = tmp_path / STORE_WEEKS_DIR
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{part}.parquet" for part in ("business", "counted", "polls", "status", "stores")
    ]
    with TimelineReader(fleet, method=method) as reader:
        for store_id, row in report.iterrows():
            view = StoreView.from_row(read_store_week(folder, store_id), "r", method)
            assert view.model_dump(include=set(row.index)) == row.to_dict(), store_id
            week, timeline = week_of(view), reader.timeline(store_id)
            assert (week.store_id, week.zone, week.method) == (store_id, timeline.zone, method)
            assert (week.now, week.week_start) == (timeline.now, timeline.week_start)
            for name in ("business", "polls", "status"):
                frames = getattr(week, name), getattr(timeline, name)
                pd.testing.assert_frame_equal(*frames, check_dtype=False)  # ns vs us units
            counted = span_frame(view.counted)
            pd.testing.assert_frame_equal(counted, counted_status(timeline))
    assert read_store_week(folder, "no-such-store") is None
