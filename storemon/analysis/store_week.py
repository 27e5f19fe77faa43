"""One store's week read for people: its counted status, its figures beside the report's."""

from __future__ import annotations

import pandas as pd

from storemon.analysis.metrics import default_store
from storemon.analysis.weeks import counted_status
from storemon.config import REPORT_COLUMNS
from storemon.engine.timeline import StoreTimeline, store_figures

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
