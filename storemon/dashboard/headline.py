"""The headline row's tiles and the report line above them, as HTML (pure functions).

Each tile is one ``widgets.HTML`` (:class:`.controls.Controls` gives it its CSS class); these
functions give its content from the report's record (:class:`~storemon.jobs.records.ReportView`)
and headline (:class:`~storemon.jobs.summary_view.ReportSummary`, ``GET /reports/{id}/summary``),
so every number is the API's reading of the report's CSV: one definition of "fleet uptime".
"""

from __future__ import annotations

import html

import pandas as pd

from storemon.analysis.display import down_count
from storemon.dashboard.messages import STALE_SECONDS, duration, elapsed_seconds, shown_instant
from storemon.freshness import age_text
from storemon.jobs.records import ReportView, parse_utc
from storemon.jobs.summary_view import ReportSummary

WAITING = "…"
DOWN_LISTED = 60  # stores named in the "down all week" list before "and N more"


def tile(label: str, value: str, note: str = "", kind: str = "") -> str:
    """A tile: a big value, its label above and a note below.

    Args:
        label: What the value is.
        value: The value, already formatted (plain text).
        note: A line under it (HTML), may be empty.
        kind: ``ok``, ``warning`` or ``error``: the value's colour; empty for the default.

    Returns:
        HTML.
    """
    colour = f" storemon-tile-{kind}" if kind else ""
    return (
        f'<div class="storemon-tile-label">{html.escape(label)}</div>'
        f'<div class="storemon-tile-value{colour}">{html.escape(value)}</div>'
        f'<div class="storemon-tile-note">{note}</div>'
    )


def percent(value: float | None) -> str:
    """A percentage with one decimal (``85.9 %``), a dash without a value."""
    return "–" if value is None or pd.isna(value) else f"{value:.1f} %"


def fleet_uptime(summary: ReportSummary | None) -> str:
    """The fleet's uptime share of business time last week."""
    if summary is None:
        return tile("Fleet uptime, last week", WAITING)
    note = (
        f"{summary.uptime_last_week:,.0f} of {summary.business_last_week:,.0f} business hours, "
        f"{summary.stores:,} stores"
    )
    return tile("Fleet uptime, last week", percent(summary.uptime_share_last_week), note)


def down_all_week(summary: ReportSummary | None) -> str:
    """How many stores were down all their business hours last week."""
    if summary is None:
        return tile("Down all week", WAITING)
    kind = "error" if summary.down_all_week else "ok"
    note = f"of {summary.stores:,} stores: no uptime in their business hours last week"
    return tile("Down all week", f"{summary.down_all_week:,}", note, kind)


def down_last_hour(summary: ReportSummary | None) -> str:
    """How many stores are down now: down for all their business time of the last hour."""
    if summary is None:
        return tile("Down now (last hour)", WAITING)
    kind = "error" if summary.down_last_hour else "ok"
    open_now = summary.stores - summary.closed_last_hour
    note = f"of {open_now:,} stores open in the last hour ({summary.closed_last_hour:,} closed)"
    return tile("Down now (last hour)", f"{summary.down_last_hour:,}", note, kind)


def extrapolated(summary: ReportSummary | None) -> str:
    """The share of last week's business time extrapolated over polling holes."""
    label = "Extrapolated, last week"
    if summary is None:
        return tile(label, WAITING)
    share = summary.extrapolated_share_last_week
    if share is None:
        return tile(label, WAITING, "the data-quality step is still running")
    kind = "warning" if share >= 10 else ""
    note = "of business time more than 2 h from any poll (polling holes)"
    return tile(label, percent(share), note, kind)


def freshness(view: ReportView | None) -> str:
    """How fresh the report's data was at its instant; a past instant is said as such."""
    label = "Data"
    if view is None:
        return tile(label, WAITING)
    now, latest = parse_utc(view.now), parse_utc(view.data_latest_poll)
    if now is not None and latest is not None and now < latest:
        note = f"a past instant; the data runs to {shown_instant(view.data_latest_poll)}"
        return tile("Report as of", shown_instant(view.now)[:16] + " UTC", note)
    age = view.data_age_seconds
    if age is None:
        return tile(label, "as of " + shown_instant(view.now)[11:16], "UTC")
    kind = "warning" if age > STALE_SECONDS else "ok"
    note = f"the last poll, {shown_instant(view.data_latest_poll or view.now)}, when it ran"
    return tile(label, f"{age_text(age)} old", note, kind)


def report_line(view: ReportView) -> str:
    """The line over the tiles: which report they are, and its id as secondary text."""
    as_of = "the latest poll" if not view.as_of else f"{shown_instant(view.as_of)}"
    demo = " · demo data" if view.demo_data else ""
    return (
        f'<div class="storemon-report-text">Report as of <b>{shown_instant(view.now)}</b> '
        f"(asked: {html.escape(as_of)}) · {html.escape(view.method)} · "
        f"{view.stores or 0:,} stores · computed in {duration(elapsed_seconds(view))}{demo}"
        f'<br><span class="storemon-secondary">id {html.escape(view.report_id)}</span></div>'
    )


def down_all_week_list(store_ids: list[str]) -> str:
    """The stores down all week, counted and listed apart from the ranking.

    Args:
        store_ids: Their ids, in order.

    Returns:
        HTML: none, or their count and ids (the first :data:`DOWN_LISTED`, then how many more).
    """
    if not store_ids:
        return "<p>No store was down all week.</p>"
    shown = ", ".join(f"<code>{html.escape(store)}</code>" for store in store_ids[:DOWN_LISTED])
    more = len(store_ids) - DOWN_LISTED
    rest = f" and {more:,} more (status filter of the table: down all week)" if more > 0 else ""
    return (
        f"<p><b>{down_count(len(store_ids))}</b>: no uptime in any of their "
        f"business hours. They tie at their whole week, so they are listed here and the "
        f"ranking below is of the others.</p>"
        f'<details><summary>Show them</summary><p class="storemon-ids">{shown}{rest}</p></details>'
    )
