"""The charts draw what their data says: counts of bars, points, spans and labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle

from storemon.analysis import metrics, plots
from storemon.config import REPORT_COLUMNS
from storemon.engine.timeline import StoreTimeline

PNG = b"\x89PNG\r\n\x1a\n"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture
def report() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 60
    down_week = np.round(rng.uniform(0, 30, n), 2)
    down_week[:7] = 0.0  # stores without downtime
    up_week = np.round(rng.uniform(0, 100, n), 2)
    up_week[7:10] = 0.0
    down_week[7:9] = 0.0  # two stores without business time
    frame = pd.DataFrame(
        {
            "store_id": [f"{1000000000000000000 + i * 7919}" for i in range(n)],
            "uptime_last_hour": 0.0,
            "uptime_last_day": 0.0,
            "uptime_last_week": up_week,
            "downtime_last_hour": 0.0,
            "downtime_last_day": 0.0,
            "downtime_last_week": down_week,
        }
    )
    return frame[REPORT_COLUMNS]


@pytest.fixture
def timeline() -> StoreTimeline:
    week_start, now = utc("2024-10-29 18:00"), utc("2024-11-05 18:00")
    return StoreTimeline(
        store_id="8419537941919820732",
        zone="America/New_York",
        method="nearest",
        now=now,
        week_start=week_start,
        business=pd.DataFrame(
            {
                "start": [utc("2024-10-30 13:00"), utc("2024-10-31 13:00")],
                "end": [utc("2024-10-30 21:00"), utc("2024-10-31 21:00")],
            }
        ),
        polls=pd.DataFrame(
            {
                "time": [
                    utc(t)
                    for t in (
                        "2024-10-30 12:10",
                        "2024-10-30 14:05",
                        "2024-10-30 16:02",
                        "2024-10-31 15:00",
                    )
                ],
                "status": ["inactive", "active", "inactive", "active"],
                "in_hours": [False, True, True, True],
                "observed": [False, True, True, True],
            }
        ),
        status=pd.DataFrame(
            {
                "start": [week_start, utc("2024-10-30 15:03:30"), utc("2024-10-31 03:31")],
                "end": [utc("2024-10-30 15:03:30"), utc("2024-10-31 03:31"), now],
                "status": ["active", "inactive", "active"],
            }
        ),
    )


def test_uptime_histogram_counts_open_stores(report: pd.DataFrame):
    figure = plots.uptime_histogram(report)
    axes = figure.axes[0]
    bars = [patch for patch in axes.patches if isinstance(patch, Rectangle)]
    heights = [bar.get_height() for bar in bars]
    open_stores = int(((report["uptime_last_week"] + report["downtime_last_week"]) > 0).sum())
    assert sum(heights) == open_stores == len(report) - 2
    # A store at 100 % lands in the last bin, not past the axis.
    share = plots.uptime_share(report)
    assert heights[-1] == int((share >= 95).sum())
    assert "2 without business time" in axes.get_title()
    assert plots.figure_png(figure).startswith(PNG)


def test_top_downtime_chart_is_the_top_20_in_order(report: pd.DataFrame):
    figure = plots.top_downtime_chart(report, 20)
    axes = figure.axes[0]
    expected = metrics.top_downtime(report, 20)
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert labels == list(expected["store_id"])
    down_bars = [p for p in axes.patches if p.get_facecolor() == to_rgba(plots.INACTIVE)]
    assert [round(bar.get_width(), 2) for bar in down_bars] == list(
        expected["downtime_last_week_h"]
    )
    assert axes.yaxis_inverted()  # worst on top


def test_top_downtime_chart_without_downtime(report: pd.DataFrame):
    figure = plots.top_downtime_chart(report.assign(downtime_last_week=0.0))
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["no store had downtime last week"]


def test_timeline_plot_marks_spans_status_and_polls(timeline: StoreTimeline):
    figure = plots.timeline_plot(timeline)
    axes = figure.axes[0]
    business = [p for p in axes.patches if p.get_facecolor() == to_rgba(plots.BUSINESS)]
    assert len(business) == len(timeline.business)
    # Status bars: pale for the whole window plus solid for the counted (business) parts.
    bars = [c for c in axes.collections if isinstance(c, PolyCollection)]
    solid = [c for c in bars if c.get_alpha() == 1.0]
    pale = [c for c in bars if c.get_alpha() != 1.0]
    assert sum(len(c.get_paths()) for c in pale) == len(timeline.status)
    # The 30th's hours 13-21 hold active 13:00-15:03:30 and inactive 15:03:30-21:00; the
    # 31st's are all active: 3 counted pieces.
    assert sum(len(c.get_paths()) for c in solid) == 3
    # Every poll is one point; observed ones are filled, ignored ones hollow.
    points = [c for c in axes.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == len(timeline.polls)
    hollow = [c for c in points if len(c.get_offsets()) and len(c.get_facecolors()) == 0]
    assert sum(len(c.get_offsets()) for c in hollow) == int((~timeline.polls["observed"]).sum())
    assert timeline.store_id in axes.get_title()
    assert "America/New_York" in axes.get_xlabel()
    assert plots.figure_png(figure).startswith(PNG)


def test_polls_per_hour_chart_and_method_scatter():
    hours = pd.date_range("2024-10-29", periods=48, freq="h", tz="UTC")
    per_hour = pd.DataFrame({"hour": hours, "polls": 50, "stores": 48})
    per_hour.loc[10:14, ["polls", "stores"]] = 0
    figure = plots.polls_per_hour_chart(per_hour)
    line = figure.axes[0].lines[0]
    assert list(line.get_ydata()) == list(per_hour["stores"])

    comparison = pd.DataFrame(
        {
            "downtime_last_week_nearest": [1.0, 2.0, 5.0],
            "downtime_last_week_carry_forward": [1.5, 2.0, 4.0],
        }
    )
    scatter = plots.method_scatter(comparison)
    offsets = scatter.axes[0].collections[0].get_offsets()
    assert offsets.tolist() == [[1.0, 1.5], [2.0, 2.0], [5.0, 4.0]]


def trend_rows() -> pd.DataFrame:
    """Three stores over three weeks; one first polled in the last week, one closed in one."""
    ends = [utc("2024-11-12T12:00"), utc("2024-11-19T12:00"), utc("2024-11-26T12:00")]
    rows = [
        ("a", ends[0], 50.0, 10.0), ("a", ends[1], 55.0, 5.0), ("a", ends[2], 30.0, 30.0),
        ("b", ends[0], 0.0, 0.0), ("b", ends[1], 40.0, 0.0), ("b", ends[2], 20.0, 20.0),
        ("c", ends[2], 10.0, 0.0),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["store_id", "period_end", "uptime", "downtime"])


def test_trend_movers_rank_the_change_of_share_week_over_week() -> None:
    movers = metrics.trend_movers(trend_rows(), n=5)
    assert list(movers["store_id"]) == ["b", "a"]  # c has no week before
    assert list(movers["change_pp"]) == [-50.0, -41.7]
    assert list(movers["share_before_pct"]) == [100.0, 91.7]
    assert list(movers.index) == [1, 2]
    assert metrics.trend_movers(trend_rows().iloc[-1:]).empty  # one period: nothing moved


def test_fleet_trend_table_is_oldest_first_in_percent() -> None:
    points = pd.DataFrame(
        {
            "period_end": [pd.Timestamp("2024-11-26T12:00"), pd.Timestamp("2024-11-19T12:00")],
            "uptime": [60.0, 95.0],
            "downtime": [50.0, 5.0],
            "uptime_share": [0.5455, 0.95],
            "stores": [3, 2],
        }
    )
    table = metrics.fleet_trend_table(points)
    assert list(table["uptime_share_pct"]) == [95.0, 54.55]
    assert list(table["stores"]) == [2, 3]
    figure = plots.fleet_trend_chart(table)
    (line,) = figure.axes[0].get_lines()
    assert list(line.get_ydata()) == [95.0, 54.55]
    assert plots.figure_png(figure).startswith(PNG)
    empty = plots.fleet_trend_chart(metrics.fleet_trend_table(points.iloc[:0]))
    assert not empty.axes[0].axison


def test_store_trend_chart_stacks_downtime_under_uptime() -> None:
    rows = trend_rows()
    figure = plots.store_trend_chart(rows[rows["store_id"] == "a"], window="week")
    bars = [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]
    assert [b.get_height() for b in bars] == [10.0, 5.0, 30.0, 50.0, 55.0, 30.0]
    assert [b.get_y() for b in bars[3:]] == [10.0, 5.0, 30.0]
    assert not plots.store_trend_chart(rows.iloc[:0]).axes[0].axison


def covered_by_legend(figure) -> list[str]:
    """What a figure's legend covers once drawn: its bars, its title, its tick labels."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = figure.axes[0]
    box = axes.get_legend().get_window_extent(renderer)
    covered = [
        f"bar {i}"
        for i, bar in enumerate(axes.patches)
        if box.overlaps(bar.get_window_extent(renderer))
    ]
    if box.overlaps(axes.title.get_window_extent(renderer)):
        covered.append("title")
    return covered


def test_legends_cover_no_bar_nor_title(report: pd.DataFrame) -> None:
    rows = trend_rows()
    tall = rows[rows["store_id"] == "a"].assign(uptime=0.0, downtime=24.0)  # bars to the top
    for figure in (plots.store_trend_chart(tall), plots.top_downtime_chart(report, 20)):
        assert covered_by_legend(figure) == []
