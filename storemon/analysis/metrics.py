"""The reading of a report for people: pure DataFrame -> DataFrame steps, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from storemon.errors import StoremonError

# The report's windows, their units and their columns, in reading order.
WINDOWS = (
    ("last_hour", "minutes", "uptime_last_hour", "downtime_last_hour"),
    ("last_day", "hours", "uptime_last_day", "downtime_last_day"),
    ("last_week", "hours", "uptime_last_week", "downtime_last_week"),
)


def share_pct(
    part: pd.Series | float, whole: pd.Series | float, decimals: int | None = 1
) -> pd.Series | float:
    """Percentage of ``part`` in ``whole``, NaN where there is no whole (no business time).

    Args:
        part: The part (uptime, downtime...), a value or one per store.
        whole: The whole it is a share of, alike.
        decimals: Round to this many decimals; None keeps the exact quotient.

    Returns:
        The share in percent, of the shape of ``whole``.
    """
    if isinstance(whole, pd.Series):
        share = 100 * part / whole.where(whole > 0)
        return share if decimals is None else share.round(decimals)
    if not whole > 0:
        return float("nan")
    return 100 * part / whole if decimals is None else round(100 * part / whole, decimals)


def uptime_share(
    report: pd.DataFrame, window: str = "last_week", decimals: int | None = 1
) -> pd.Series:
    """Each store's uptime share of its business time in a window, in percent.

    Args:
        report: One row per store, with the report CSV's columns.
        window: ``last_hour``, ``last_day`` or ``last_week``.
        decimals: Round to this many decimals; None keeps the exact quotient.

    Returns:
        One value per store (NaN without business time in the window), indexed by store id.
    """
    uptime, downtime = report[f"uptime_{window}"], report[f"downtime_{window}"]
    share = share_pct(uptime, uptime + downtime, decimals)
    return pd.Series(share.to_numpy(), index=report["store_id"], name="share")


def fleet_uptime(report: pd.DataFrame) -> pd.DataFrame:
    """Sum the report over the fleet: uptime share of business time per window.

    Args:
        report: One row per store, with the report CSV's columns.

    Returns:
        One row per window (last hour, day, week; the index): its unit, the fleet's uptime,
        downtime and business time (their sum) in that unit, the uptime share in percent, and
        how many stores had business time in the window.
    """
    rows = []
    for window, unit, up_column, down_column in WINDOWS:
        business = report[up_column] + report[down_column]
        uptime, downtime = float(report[up_column].sum()), float(report[down_column].sum())
        rows.append(
            {
                "window": window,
                "unit": unit,
                "uptime": round(uptime, 2),
                "downtime": round(downtime, 2),
                "business_time": round(uptime + downtime, 2),
                "uptime_share_pct": share_pct(uptime, uptime + downtime),
                "stores_open": int((business > 0).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("window")


@dataclass(frozen=True)
class FleetSummary:
    """A report in a few numbers: the headline of ``storemon report``, the dashboard, the HTML.

    Attributes:
        stores: Stores in the report.
        uptime_share_last_week: The fleet's uptime share of its business time last week, in
            percent with one decimal (:func:`fleet_uptime`); NaN when no store had business time.
        down_all_week: Stores down all week (:func:`down_all_week`).
        down_last_hour: Stores down for all their business time of the last hour ("down now").
        closed_last_hour: Stores without business time in the last hour.
        uptime_last_week: The fleet's uptime last week, hours (the stores' sum).
        business_last_week: The fleet's business time last week, hours (uptime plus downtime).
    """

    stores: int
    uptime_share_last_week: float
    down_all_week: int
    down_last_hour: int = 0
    closed_last_hour: int = 0
    uptime_last_week: float = 0.0
    business_last_week: float = 0.0


def down_all_week(report: pd.DataFrame) -> pd.Series:
    """Tell, per store, whether it was down all week: no uptime, some downtime last week.

    Args:
        report: One row per store, with the report CSV's columns.

    Returns:
        One boolean per store, indexed by store id (a store without business time is False).
    """
    down = (report["uptime_last_week"] == 0) & (report["downtime_last_week"] > 0)
    return pd.Series(down.to_numpy(), index=report["store_id"], name="down_all_week")


# A store's status in the last hour, as the table and the headline word it.
DOWN_NOW, UP, CLOSED = "down now", "up", "closed"


def status_last_hour(report: pd.DataFrame) -> pd.Series:
    """Each store's status in the last hour: ``down now``, ``up`` or ``closed``.

    ``down now``: no uptime and some downtime in the last hour; ``closed``: no business time in
    the last hour; ``up``: some uptime.

    Args:
        report: One row per store, with the report CSV's columns.

    Returns:
        One word per store, indexed by store id.
    """
    up, down = report["uptime_last_hour"], report["downtime_last_hour"]
    words = pd.Series(UP, index=report.index, dtype=object)
    words[(up == 0) & (down > 0)] = DOWN_NOW
    words[(up + down) == 0] = CLOSED
    return pd.Series(words.to_numpy(), index=report["store_id"], name="status_last_hour")


def fleet_summary(report: pd.DataFrame) -> FleetSummary:
    """Sum a report up: the fleet's uptime share last week, who is down all week and now.

    The fleet's uptime share is 100 x the sum of the stores' uptime last week over the sum of
    their business time (uptime plus downtime) last week, as in :func:`fleet_uptime`.

    Args:
        report: One row per store, with the report CSV's columns.

    Returns:
        The summary.
    """
    week = fleet_uptime(report).loc["last_week"]
    status = status_last_hour(report)
    return FleetSummary(
        stores=len(report),
        uptime_share_last_week=float(week["uptime_share_pct"]),
        down_all_week=int(down_all_week(report).sum()),
        down_last_hour=int((status == DOWN_NOW).sum()),
        closed_last_hour=int((status == CLOSED).sum()),
        uptime_last_week=float(week["uptime"]),
        business_last_week=float(week["business_time"]),
    )


def top_downtime(report: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` stores with most downtime last week, stores down all week left out.

    Stores down all week tie at their whole business week; they are counted and listed apart
    (:func:`down_all_week`), so this ranking says who is worst among the others.

    Args:
        report: One row per store, with the report CSV's columns.
        n: How many stores to keep.

    Returns:
        One row per store, most downtime last week first (ties broken by the downtime of the
        last day, then of the last hour, then by store id), indexed by rank from 1: store id,
        downtime and uptime last week (hours), downtime share of its business time (percent),
        downtime last day (hours) and last hour (minutes). Stores without downtime are left out.
    """
    down = report[(report["downtime_last_week"] > 0) & ~down_all_week(report).to_numpy()]
    order = ["downtime_last_week", "downtime_last_day", "downtime_last_hour", "store_id"]
    down = down.sort_values(order, ascending=[False, False, False, True]).head(n)
    ranked = pd.DataFrame(
        {
            "store_id": down["store_id"],
            "downtime_last_week_h": down["downtime_last_week"],
            "uptime_last_week_h": down["uptime_last_week"],
            "downtime_share_pct": share_pct(
                down["downtime_last_week"], down["downtime_last_week"] + down["uptime_last_week"]
            ),
            "downtime_last_day_h": down["downtime_last_day"],
            "downtime_last_hour_min": down["downtime_last_hour"],
        }
    ).reset_index(drop=True)
    ranked.index = pd.RangeIndex(1, len(ranked) + 1, name="rank")
    return ranked


def coverage_table(coverage: pd.DataFrame, default_timezone: str) -> pd.DataFrame:
    """Turn the one-row :func:`storemon.engine.load.store_coverage` into a table read top-down.

    Args:
        coverage: The result of :func:`storemon.engine.load.store_coverage`.
        default_timezone: The zone used for stores without a valid one.

    Returns:
        One row per check (the index): the number of stores, and what the report does.
    """
    row = coverage.iloc[0]
    checks = [
        ("stores polled", "stores_polled", "each is a row of the report"),
        (
            "polled stores without business hours",
            "stores_without_hours",
            "taken as open 24x7",
        ),
        (
            "polled stores without a valid time zone",
            "stores_without_zone",
            f"hours read in {default_timezone}",
        ),
        (
            "stores with hours or a zone but never polled",
            "stores_never_polled",
            "not in the report",
        ),
    ]
    return pd.DataFrame(
        [
            {"check": label, "stores": int(row[column]), "in the report": effect}
            for label, column, effect in checks
        ]
    ).set_index("check")


def rejects_table(rejects: pd.DataFrame) -> pd.DataFrame:
    """Order the rejected rows by file and kind of reason for reading, most frequent first.

    Args:
        rejects: The result of ``storemon/engine/sql/rejects_by_reason.sql``.

    Returns:
        One row per file and reason: rows rejected and the first such line.
    """
    ordered = rejects.sort_values(
        ["rows_rejected", "source_file", "reason"], ascending=[False, True, True]
    )
    ordered = ordered.astype({"rows_rejected": "int64", "first_line": "int64"})
    return ordered[["source_file", "reason", "rows_rejected", "first_line"]].reset_index(drop=True)


def extrapolated_summary(extrapolated: pd.DataFrame) -> pd.DataFrame:
    """Sum, per window, the business time that lies far from every observation.

    Args:
        extrapolated: The result of ``extrapolated_time.sql`` (per store, window).

    Returns:
        One row per window (the index): the fleet's business hours, the extrapolated hours,
        their share in percent, and how many stores have any extrapolated time.
    """
    rows = []
    for window, *_ in WINDOWS:
        part = extrapolated[extrapolated["report_window"] == window]
        business = float(part["business_hours"].sum())
        guessed = float(part["extrapolated_hours"].sum())
        rows.append(
            {
                "window": window,
                "business_hours": round(business, 2),
                "extrapolated_hours": round(guessed, 2),
                "extrapolated_share_pct": share_pct(guessed, business),
                "stores_with_extrapolation": int((part["extrapolated_hours"] > 0).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("window")


def _shown_fact(value: object) -> str:
    """A fact as text: nothing for None, thousands separators for a count."""
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def overview_table(facts: dict[str, object]) -> pd.DataFrame:
    """Show a report's facts (instant, window, stores, method, data) as a two-column table.

    Args:
        facts: Labels and values, in reading order.

    Returns:
        One row per fact, indexed by its label.
    """
    return pd.DataFrame(
        {"value": [_shown_fact(value) for value in facts.values()]},
        index=pd.Index(list(facts.keys()), name="report"),
    )


def fleet_trend_table(points: pd.DataFrame) -> pd.DataFrame:
    """A kept trend's fleet points as a table read top-down, oldest period first.

    Args:
        points: From :func:`storemon.engine.trend.read_trend_points` (newest first).

    Returns:
        One row per period, indexed by its end (UTC): the fleet's uptime and downtime (hours,
        sums of the stores'), the uptime share of business time in percent, and the stores
        polled by then.
    """
    table = points.sort_values("period_end").set_index("period_end")
    return pd.DataFrame(
        {
            "uptime_h": table["uptime"],
            "downtime_h": table["downtime"],
            "uptime_share_pct": (100 * table["uptime_share"]).round(2),
            "stores": table["stores"].astype("int64"),
        },
        index=pd.Index(table.index, name="period_end (UTC)"),
    )


def trend_movers(rows: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` stores whose uptime share moved most from the period before to the last one.

    Only stores with business time in both periods count (a share needs some).

    Args:
        rows: A trend's rows (``store_id``, ``period_end``, ``uptime``, ``downtime``).
        n: How many stores.

    Returns:
        One row per store, largest move first (ties by store id), indexed by rank from 1: store
        id, uptime share before and last (percent), the change in percentage points, and the
        downtime before and last (hours). Empty when the trend holds fewer than two periods.
    """
    ends = sorted(rows["period_end"].unique())[-2:]
    columns = ["store_id", "share_before_pct", "share_last_pct", "change_pp"]
    columns += ["downtime_before_h", "downtime_last_h"]
    if len(ends) < 2:
        return pd.DataFrame(columns=columns, index=pd.RangeIndex(1, 1, name="rank"))
    before, last = (rows[rows["period_end"] == end] for end in ends)
    both = before.merge(last, on="store_id", how="inner", suffixes=("_before", "_last"))
    moved = pd.DataFrame(
        {
            "store_id": both["store_id"].to_numpy(),
            "share_before_pct": share_pct(
                both["uptime_before"], both["uptime_before"] + both["downtime_before"], None
            ).to_numpy(),
            "share_last_pct": share_pct(
                both["uptime_last"], both["uptime_last"] + both["downtime_last"], None
            ).to_numpy(),
            "downtime_before_h": both["downtime_before"].to_numpy(),
            "downtime_last_h": both["downtime_last"].to_numpy(),
        }
    ).dropna()
    moved["change_pp"] = moved["share_last_pct"] - moved["share_before_pct"]
    moved["size"] = moved["change_pp"].abs()
    moved = moved.sort_values(["size", "store_id"], ascending=[False, True]).head(n)
    moved = moved[columns].round({"share_before_pct": 1, "share_last_pct": 1, "change_pp": 1})
    moved.index = pd.RangeIndex(1, len(moved) + 1, name="rank")
    return moved


def default_store(report: pd.DataFrame) -> str:
    """The store worth looking at first: the week with the most of both uptime and downtime.

    A store down all week, or up all week, is one flat bar; the store whose smaller of uptime
    and downtime last week is the largest has outages and recoveries to look at (ties: the
    lowest store id). With no downtime anywhere, the first store.

    Args:
        report: A report (one row per store).

    Returns:
        A store id.

    Raises:
        StoremonError: The report has no store.
    """
    if report.empty:
        raise StoremonError("the report has no store")
    mixed = report[["uptime_last_week", "downtime_last_week"]].min(axis=1)
    ranked = report.assign(mixed=mixed).sort_values(
        ["mixed", "store_id"], ascending=[False, True], kind="stable"
    )
    return str(ranked["store_id"].iloc[0])
