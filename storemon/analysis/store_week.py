"""One store's week read for people: its counted status, its figures beside the report's."""

from __future__ import annotations

import pandas as pd

from storemon.analysis.weeks import counted_status
from storemon.config import REPORT_COLUMNS
from storemon.engine.timeline import StoreTimeline, store_figures
from storemon.errors import StoremonError

__all__ = ["counted_status", "default_store", "figures_table"]


def figures_table(timeline: StoreTimeline, report: pd.DataFrame) -> pd.DataFrame:
    """A store's figures recomputed from its timeline next to its row of the report.

    Args:
        timeline: A store's timeline.
        report: The report it belongs to (same data, instant and method).

    Returns:
        One row per report column (the store id left out): ``timeline``, ``report`` and
        whether they agree.
    """
    figures = store_figures(timeline)
    row = report[report["store_id"] == timeline.store_id]
    columns = REPORT_COLUMNS[1:]
    table = pd.DataFrame(
        {
            "timeline": [figures[column] for column in columns],
            "report": [row[column].iloc[0] if len(row) else float("nan") for column in columns],
        },
        index=pd.Index(columns, name="figure"),
    )
    table["agree"] = table["timeline"] == table["report"]
    return table


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
