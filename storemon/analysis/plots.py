"""Charts of reports and timelines: DataFrame in, matplotlib ``Figure`` out.

Figures are made with ``matplotlib.figure.Figure`` rather than pyplot: no global state, so the
dashboard can draw from a worker thread and a notebook shows each figure once (the value of the
cell). :func:`figure_png` turns one into PNG bytes for an image widget.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from storemon.analysis import metrics
from storemon.analysis.weeks import counted_status, polling_holes
from storemon.timelines import StoreTimeline

ACTIVE = "#2e7d32"
INACTIVE = "#c62828"
BUSINESS = "#fff3c4"
IGNORED = "#757575"
HOLE = "#9e9e9e"
STATUS_COLORS = {"active": ACTIVE, "inactive": INACTIVE}


def uptime_share(report: pd.DataFrame) -> pd.Series:
    """Each store's last-week uptime share, in percent, stores without business time left out.

    A thin alias of :func:`storemon.analysis.metrics.uptime_share` (unrounded), kept for callers.

    Args:
        report: A report (one row per store).

    Returns:
        One value per store with business time last week, indexed by store id.
    """
    return metrics.uptime_share(report, decimals=None).dropna()


def uptime_histogram(report: pd.DataFrame) -> Figure:
    """Histogram of the fleet's last-week uptime share (stores without business time left out).

    Args:
        report: A report (one row per store).

    Returns:
        The figure.
    """
    share = uptime_share(report)
    figure = Figure(figsize=(6.5, 3.6), layout="constrained")
    axes = figure.add_subplot()
    bins = list(range(0, 101, 5))
    axes.hist(share.clip(upper=99.999), bins=bins, color=ACTIVE, edgecolor="white")
    axes.set_xlim(0, 100)
    axes.set_xlabel("uptime share of business time, last week (%)")
    axes.set_ylabel("stores")
    closed = len(report) - len(share)
    # The median store is not the fleet: the fleet's share weighs stores by business time.
    fleet = metrics.fleet_summary(report).uptime_share_last_week
    spread = f"; median store {share.median():.1f} %, fleet {fleet:.1f} %" if len(share) else ""
    axes.set_title(
        f"{len(share):,} stores by their own uptime last week{spread}"
        + (f" ({closed:,} without business time)" if closed else ""),
        fontsize=9,
    )
    axes.grid(axis="y", alpha=0.3)
    return figure


def top_downtime_chart(report: pd.DataFrame, n: int = 20) -> Figure:
    """Horizontal bars of the ``n`` stores with most downtime last week, worst on top.

    Stores down all week are left out (:func:`storemon.analysis.metrics.top_downtime`): they
    are counted and listed apart. The legend sits above the bars, so it covers none.

    Args:
        report: A report (one row per store).
        n: How many stores.

    Returns:
        The figure (a note instead of bars when no other store had downtime).
    """
    worst = metrics.top_downtime(report, n)
    figure = Figure(figsize=(6.5, 0.25 * max(len(worst), 4) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    if worst.empty:
        text = "no store had downtime last week"
        if metrics.down_all_week(report).any():
            text = "no store had downtime last week, besides those down all week"
        axes.text(0.5, 0.5, text, ha="center", va="center")
        axes.set_axis_off()
        return figure
    labels = worst["store_id"].astype(str)
    axes.barh(labels, worst["downtime_last_week_h"], color=INACTIVE, label="downtime")
    axes.barh(
        labels,
        worst["uptime_last_week_h"],
        left=worst["downtime_last_week_h"],
        color=ACTIVE,
        alpha=0.35,
        label="uptime",
    )
    axes.invert_yaxis()
    axes.tick_params(axis="y", labelsize=7)
    axes.set_xlabel("business hours last week")
    axes.set_title(
        f"The {len(worst)} stores with most downtime last week (not down all week)", fontsize=10
    )
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.06), ncol=2, fontsize=8, frameon=False)
    axes.grid(axis="x", alpha=0.3)
    return figure


def _draw_holes(axes: Axes, timeline: StoreTimeline) -> None:
    """Hatch the polls' row where the week has no poll for over 2 hours, saying "no polls"."""
    for _, hole in polling_holes(timeline).iterrows():
        axes.axvspan(hole["start"], hole["end"], ymax=0.45, facecolor="none", edgecolor=HOLE,
                     hatch="///", linewidth=0, zorder=1)  # fmt: skip
        middle = hole["start"] + (hole["end"] - hole["start"]) / 2
        axes.text(middle, -0.45, "no polls", ha="center", va="center", fontsize=7, color=HOLE)


def timeline_plot(timeline: StoreTimeline) -> Figure:
    """A store's week: business hours shaded, the interpolated status, and every poll.

    The status is solid where the report counts it (inside business hours) and pale elsewhere.
    Polls are coloured by their status; filled markers are observations (the report uses them),
    hollow ones were ignored (taken outside business hours). The time axis is the store's local
    time, because its business hours are read there.

    Args:
        timeline: A store's week (:class:`~storemon.timelines.StoreTimeline`): the
            dashboard's, from the API, or :func:`storemon.engine.timeline.store_timeline`'s.

    Returns:
        The figure.
    """
    zone = ZoneInfo(timeline.zone)
    figure = Figure(figsize=(11, 3.4), layout="constrained")
    axes = figure.add_subplot()
    for start, end in zip(timeline.business["start"], timeline.business["end"], strict=True):
        axes.axvspan(start, end, color=BUSINESS, zorder=0)
    # The status is drawn pale where the report does not count it (outside business hours).
    counted = counted_status(timeline)
    for spans, alpha in ((timeline.status, 0.25), (counted, 1.0)):
        for status, color in STATUS_COLORS.items():
            chosen = spans[spans["status"] == status]
            starts = mdates.date2num(chosen["start"])
            widths = mdates.date2num(chosen["end"]) - starts
            axes.broken_barh(
                list(zip(starts, widths, strict=True)),
                (0.75, 0.5),
                color=color,
                alpha=alpha,
                zorder=2,
            )
    _draw_holes(axes, timeline)
    polls = timeline.polls
    for status, color in STATUS_COLORS.items():
        for observed in (True, False):
            chosen = polls[(polls["status"] == status) & (polls["observed"] == observed)]
            axes.scatter(
                chosen["time"],
                [0.0] * len(chosen),
                s=28,
                marker="o",
                facecolors=color if observed else "none",
                edgecolors=color,
                linewidths=1.2,
                zorder=3,
            )
    axes.set_ylim(-0.6, 1.6)
    axes.set_yticks([0, 1], ["polls", "status"])
    axes.set_xlim(timeline.week_start, timeline.now)
    locator = mdates.AutoDateLocator(tz=zone, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%a %d\n%H:%M", tz=zone))
    axes.set_xlabel(f"local time ({timeline.zone})")
    axes.grid(axis="x", alpha=0.3)
    axes.legend(
        handles=[
            Patch(color=BUSINESS, label="business hours"),
            Patch(color=ACTIVE, label="uptime (counted)"),
            Patch(color=INACTIVE, label="downtime (counted)"),
            Patch(facecolor="none", edgecolor=HOLE, hatch="///", label="no polls"),
            Line2D([], [], marker="o", ls="", color="black", label="poll used"),
            Line2D([], [], marker="o", ls="", mfc="none", color="black", label="poll ignored"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.32),
        ncol=6,
        fontsize=8,
        frameon=False,
    )
    axes.set_title(
        f"Store {timeline.store_id}: the week to {timeline.now.tz_convert(zone):%Y-%m-%d %H:%M} "
        f"local ({timeline.method})",
        fontsize=10,
    )
    return figure


def polls_per_hour_chart(polls_per_hour: pd.DataFrame) -> Figure:
    """Polls and polled stores per hour over the data set: polling holes show as dips.

    Args:
        polls_per_hour: One row per hour: ``hour`` (UTC), ``polls``, ``stores``
            (see :func:`storemon.analysis.quality.polls_per_hour`).

    Returns:
        The figure.
    """
    figure = Figure(figsize=(11, 3.2), layout="constrained")
    axes = figure.add_subplot()
    axes.fill_between(
        polls_per_hour["hour"], polls_per_hour["polls"], step="post", color=ACTIVE, alpha=0.4
    )
    axes.step(
        polls_per_hour["hour"],
        polls_per_hour["stores"],
        where="post",
        color=ACTIVE,
        label="stores polled",
    )
    axes.set_ylabel("per hour")
    axes.set_xlabel("hour (UTC)")
    axes.set_ylim(bottom=0)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%a %d\n%H:%M"))
    axes.legend(
        handles=[
            Patch(color=ACTIVE, alpha=0.4, label="polls"),
            Line2D([], [], color=ACTIVE, label="stores polled"),
        ],
        fontsize=8,
    )
    axes.set_title("Polls per hour (dips are polling holes)", fontsize=10)
    axes.grid(alpha=0.3)
    return figure


def method_scatter(comparison: pd.DataFrame) -> Figure:
    """Each store's downtime last week under ``nearest`` against ``carry_forward``.

    Args:
        comparison: One row per store with ``downtime_last_week_nearest`` and
            ``downtime_last_week_carry_forward`` (see
            :func:`storemon.analysis.quality.compare_methods`).

    Returns:
        The figure; points off the diagonal are stores the method changes.
    """
    figure = Figure(figsize=(4.8, 4.4), layout="constrained")
    axes = figure.add_subplot()
    x = comparison["downtime_last_week_nearest"]
    y = comparison["downtime_last_week_carry_forward"]
    axes.scatter(x, y, s=10, alpha=0.6, color=INACTIVE)
    top = max(float(x.max()) if len(x) else 0.0, float(y.max()) if len(y) else 0.0, 1.0)
    axes.plot([0, top], [0, top], color="grey", lw=0.8, ls="--")
    axes.set_xlabel("downtime last week, nearest (h)")
    axes.set_ylabel("downtime last week, carry_forward (h)")
    axes.set_title("The two methods, store by store", fontsize=10)
    return figure


def figure_png(figure: Figure, dpi: int = 100) -> bytes:
    """Render a figure as PNG bytes (for an image widget or a file).

    Args:
        figure: The figure.
        dpi: Resolution.

    Returns:
        The PNG data.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _trend_axes(empty_note: str | None) -> tuple[Figure, Axes | None]:
    """A trend chart's figure and axes; with a note instead (and no axes) when it is empty."""
    figure = Figure(figsize=(6.5, 3.2), layout="constrained")
    axes = figure.add_subplot()
    if empty_note is None:
        return figure, axes
    axes.text(0.5, 0.5, empty_note, ha="center", va="center")
    axes.set_axis_off()
    return figure, None


def fleet_trend_chart(table: pd.DataFrame, window: str = "week") -> Figure:
    """The fleet's uptime share of business time per period, as a line.

    Args:
        table: From :func:`storemon.analysis.metrics.fleet_trend_table` (one row per period).
        window: ``week`` or ``day``, for the labels.

    Returns:
        The figure (a note instead of a line when the trend holds no period).
    """
    figure, axes = _trend_axes("no trend: no period holds a poll" if table.empty else None)
    if axes is None:
        return figure
    ends = pd.to_datetime(table.index)
    shares = table["uptime_share_pct"]
    axes.plot(ends, shares, color=ACTIVE, marker="o")
    for end, share in zip(ends, shares, strict=True):
        axes.annotate(f"{share:.1f}", (end, share), textcoords="offset points", xytext=(0, 6),
                      ha="center", fontsize=7)  # fmt: skip
    axes.set_ylim(max(0.0, min(float(shares.min()) - 2, 90.0)), 100)
    axes.set_xticks(ends)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    axes.tick_params(axis="x", labelsize=7, rotation=45 if len(ends) > 8 else 0)
    axes.set_xlabel(f"end of the {window} (UTC)")
    axes.set_ylabel("uptime share (%)")
    periods = f"{len(table)} {window}s" if len(table) > 1 else f"one {window}"
    axes.set_title(f"Fleet uptime share of business time, the last {periods}", fontsize=10)
    axes.grid(alpha=0.3)
    return figure


def store_trend_chart(rows: pd.DataFrame, window: str = "day") -> Figure:
    """One store's trend: its uptime and downtime in each period, as stacked bars.

    Args:
        rows: The store's rows of a trend (``period_end``, ``uptime``, ``downtime``; from
            :func:`storemon.compute_trend` filtered to the store, or its kept points).
        window: ``week`` or ``day``, for the labels.

    Returns:
        The figure (a note instead of bars when the store has no period).
    """
    figure, axes = _trend_axes("no period holds a poll of this store" if rows.empty else None)
    if axes is None:
        return figure
    rows = rows.sort_values("period_end")
    labels = pd.to_datetime(rows["period_end"]).dt.strftime("%b %d")
    axes.bar(labels, rows["downtime"], color=INACTIVE, label="downtime")
    axes.bar(labels, rows["uptime"], bottom=rows["downtime"], color=ACTIVE, label="uptime")
    axes.tick_params(axis="x", labelsize=7, rotation=45 if len(rows) > 8 else 0)
    axes.set_xlabel(f"end of the {window} (UTC)")
    axes.set_ylabel("business hours")
    axes.set_title(
        f"Business hours online and offline, {len(rows)} {window}s", fontsize=10, pad=22
    )
    # above the bars (between them and the title), so that it covers none
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return figure
