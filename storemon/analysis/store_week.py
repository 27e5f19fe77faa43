"""One store's week read for people: its counted status, its figures beside the report's."""

from __future__ import annotations

import pandas as pd

from storemon.analysis import metrics
from storemon.config import REPORT_COLUMNS
from storemon.engine.timeline import StoreTimeline, store_figures
from storemon.errors import StoremonError


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


def counted_status(timeline: StoreTimeline) -> pd.DataFrame:
    """The parts of the status that the report counts: those inside business hours.

    Args:
        timeline: A store's timeline.

    Returns:
        One row per piece: ``start``, ``end`` (UTC) and ``status``, in time order; active pieces
        add up to the week's uptime, inactive ones to its downtime.
    """
    pieces = []
    for b_start, b_end in zip(timeline.business["start"], timeline.business["end"], strict=True):
        for s_start, s_end, status in timeline.status.itertuples(index=False):
            start, end = max(b_start, s_start), min(b_end, s_end)
            if start < end:
                pieces.append({"start": start, "end": end, "status": status})
    counted = pd.DataFrame(pieces, columns=["start", "end", "status"])
    return counted.sort_values("start", kind="stable").reset_index(drop=True)


def default_store(report: pd.DataFrame) -> str:
    """The store worth looking at first: most downtime last week, else the first store.

    Args:
        report: A report (one row per store).

    Returns:
        A store id.

    Raises:
        StoremonError: The report has no store.
    """
    if report.empty:
        raise StoremonError("the report has no store")
    worst = metrics.top_downtime(report, 1)
    return str(worst["store_id"].iloc[0] if not worst.empty else report["store_id"].iloc[0])
