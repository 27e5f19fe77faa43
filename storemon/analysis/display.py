"""A report's reading as an owner reads it: the tables and headline of the report's HTML copy.

The report notebook shows each part of a :class:`~storemon.analysis.reading.Reading` through
one of these functions: human labels with units instead of column names, thousands separators,
the headline tiles the dashboard shows (the same :func:`~storemon.analysis.metrics.fleet_summary`,
so "fleet uptime" has one definition everywhere), and a sentence where a table is empty. Each
returns :class:`Html`, which a notebook displays as HTML; no script, nothing fetched.
"""

from __future__ import annotations

import html

import pandas as pd

from storemon.analysis import metrics

WINDOW_NAMES = {"last_hour": "last hour", "last_day": "last day", "last_week": "last week"}
TILE_STYLE = (
    "display:inline-block;vertical-align:top;min-width:170px;margin:0 10px 10px 0;"
    "padding:8px 12px;border:1px solid #ddd;border-radius:6px;background:#fafafa"
)
COLOURS = {"ok": "#2e7d32", "warning": "#e65100", "error": "#c62828", "": "inherit"}


class Html(str):
    """HTML that a notebook shows as such (the value of a cell)."""

    def _repr_html_(self) -> str:
        return str(self)


def sentence(text: str) -> Html:
    """A paragraph instead of an empty table."""
    return Html(f"<p>{html.escape(text)}</p>")


def table(
    frame: pd.DataFrame,
    labels: dict[str, str],
    empty: str,
    decimals: int = 2,
    index: bool = True,
) -> Html:
    """A table with human labels and thousands separators, or a sentence when it is empty.

    Args:
        frame: The table (its index is shown as the first column when ``index``).
        labels: Column (and index) names -> the labels shown, units included.
        empty: The sentence shown instead of an empty table.
        decimals: Decimals of the float columns.
        index: Show the index.

    Returns:
        The HTML.
    """
    if frame.empty:
        return sentence(empty)
    shown = frame.rename(columns=labels)
    shown.index = shown.index.rename(labels.get(str(frame.index.name), frame.index.name))
    styler = shown.style.format(precision=decimals, thousands=",", na_rep="–")
    if not index:
        styler = styler.hide(axis="index")
    return Html(styler.to_html())


def _tile(label: str, value: str, note: str, kind: str = "") -> str:
    return (
        f'<div style="{TILE_STYLE}"><div style="font-size:12px;color:#555">{label}</div>'
        f'<div style="font-size:26px;font-weight:600;color:{COLOURS[kind]}">{value}</div>'
        f'<div style="font-size:11px;color:#666">{note}</div></div>'
    )


def headline(report: pd.DataFrame, extrapolated: pd.DataFrame | None) -> Html:
    """The dashboard's headline tiles: fleet uptime, down now, down all week, extrapolated.

    Args:
        report: One row per store, the report CSV's columns.
        extrapolated: :func:`~storemon.analysis.metrics.extrapolated_summary` (None: unknown).

    Returns:
        The tiles.
    """
    summary = metrics.fleet_summary(report)
    share = summary.uptime_share_last_week
    open_now = summary.stores - summary.closed_last_hour
    tiles = [
        _tile(
            "Fleet uptime, last week",
            "–" if pd.isna(share) else f"{share:.1f} %",
            f"{summary.uptime_last_week:,.0f} of {summary.business_last_week:,.0f} business "
            f"hours, {summary.stores:,} stores",
        ),
        _tile(
            "Down now (last hour)",
            f"{summary.down_last_hour:,}",
            f"of {open_now:,} stores open in the last hour ({summary.closed_last_hour:,} closed)",
            "error" if summary.down_last_hour else "ok",
        ),
        _tile(
            "Down all week",
            f"{summary.down_all_week:,}",
            f"of {summary.stores:,} stores: no uptime in their business hours last week",
            "error" if summary.down_all_week else "ok",
        ),
    ]
    if extrapolated is not None:
        guessed = extrapolated.loc["last_week", "extrapolated_share_pct"]
        tiles.append(
            _tile(
                "Extrapolated, last week",
                "–" if pd.isna(guessed) else f"{guessed:.1f} %",
                "of business time more than 2 h from any poll (polling holes)",
                "warning" if not pd.isna(guessed) and guessed >= 10 else "",
            )
        )
    return Html("<div>" + "".join(tiles) + "</div>")


def _by_window(frame: pd.DataFrame, labels: dict[str, str]) -> Html:
    """A table with one row per report window, the windows named as people say them."""
    shown = frame.rename(index=WINDOW_NAMES)
    shown.index.name = "window"
    return table(shown, labels, "The report holds no store.", decimals=1)


def fleet(frame: pd.DataFrame) -> Html:
    """The fleet's uptime per window (:func:`~storemon.analysis.metrics.fleet_uptime`)."""
    labels = {
        "unit": "unit",
        "uptime": "uptime",
        "downtime": "downtime",
        "business_time": "business time",
        "uptime_share_pct": "uptime share (%)",
        "stores_open": "stores with business time",
    }
    return _by_window(frame, labels)


def down_count(stores: int) -> str:
    """``1 store was down all week``, ``415 stores were down all week``."""
    return (
        f"{stores:,} store was down all week"
        if stores == 1
        else (f"{stores:,} stores were down all week")
    )


def down_all_week(report: pd.DataFrame) -> Html:
    """The stores down all week, counted and listed (they tie, so they are not ranked)."""
    down = metrics.down_all_week(report)
    stores = sorted(down.index[down.to_numpy()])
    if not stores:
        return sentence("No store was down all week.")
    listed = ", ".join(html.escape(store) for store in stores[:100])
    more = f" and {len(stores) - 100:,} more" if len(stores) > 100 else ""
    return Html(
        f"<p><b>{down_count(len(stores))}</b>: no uptime in any of their "
        f"business hours. They tie at their whole week, so the ranking below is of the others."
        f"</p><p style='font-size:11px'>{listed}{more}</p>"
    )


def top_downtime(frame: pd.DataFrame) -> Html:
    """The ranking (:func:`~storemon.analysis.metrics.top_downtime`)."""
    labels = {
        "rank": "rank",
        "store_id": "store",
        "downtime_last_week_h": "downtime last week (h)",
        "uptime_last_week_h": "uptime last week (h)",
        "downtime_share_pct": "downtime share (%)",
        "downtime_last_day_h": "downtime last day (h)",
        "downtime_last_hour_min": "downtime last hour (min)",
    }
    return table(frame, labels, "No store had downtime last week, besides any down all week.")


def fleet_week(frame: pd.DataFrame, note: str | None = None) -> Html:
    """The fleet's weekly points (:func:`~storemon.analysis.metrics.fleet_trend_table`)."""
    labels = {
        "period_end (UTC)": "week ending (UTC)",
        "uptime_h": "uptime (h)",
        "downtime_h": "downtime (h)",
        "uptime_share_pct": "uptime share (%)",
        "stores": "stores",
    }
    return table(frame, labels, note or "No week of the trend holds a poll.")


def movers(frame: pd.DataFrame) -> Html:
    """The stores that moved most week over week (:func:`.metrics.trend_movers`)."""
    labels = {
        "rank": "rank",
        "store_id": "store",
        "share_before_pct": "uptime share, week before (%)",
        "share_last_pct": "uptime share, last week (%)",
        "change_pp": "change (points)",
        "downtime_before_h": "downtime, week before (h)",
        "downtime_last_h": "downtime, last week (h)",
    }
    return table(frame, labels, "Fewer than two weeks are held: no store's move to show.")


def rejects(frame: pd.DataFrame) -> Html:
    """The rejected input rows (:func:`~storemon.analysis.metrics.rejects_table`)."""
    labels = {
        "source_file": "file",
        "reason": "reason",
        "rows_rejected": "rows rejected",
        "first_line": "first such line",
    }
    empty = "No input row was rejected: every row of the three files was loaded."
    return table(frame, labels, empty, index=False)


def coverage(frame: pd.DataFrame) -> Html:
    """Stores without hours, zone or polls (:func:`~storemon.analysis.metrics.coverage_table`)."""
    return table(frame, {}, "The data holds no store.")


def extrapolated(frame: pd.DataFrame) -> Html:
    """Business time far from every poll (:func:`.metrics.extrapolated_summary`)."""
    labels = {
        "business_hours": "business time (h)",
        "extrapolated_hours": "extrapolated (h)",
        "extrapolated_share_pct": "extrapolated share (%)",
        "stores_with_extrapolation": "stores with some",
    }
    return _by_window(frame, labels)
