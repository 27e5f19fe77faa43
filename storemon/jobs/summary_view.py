"""A report's headline as clients see it: what ``GET /reports/{id}/summary`` answers.

The figures are :func:`storemon.analysis.metrics.fleet_summary` of the report's CSV, the one
definition of "fleet uptime" that ``storemon report``, the dashboard and the HTML report share;
the extrapolated share is what the report's data-quality step kept (``quality.json``), null
until it has run (seconds after the report is Complete). Like
:class:`~storemon.jobs.store_view.StoreView`, one model for the API that answers it and the
dashboard that reads it back; it imports neither DuckDB nor the engine.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, Field

from storemon.config import QUALITY_FILE
from storemon.files import read_json


class ReportSummary(BaseModel):
    """A complete report's headline: how the fleet did, who is down all week and now."""

    report_id: str
    now: str | None = Field(description="The report's instant (ISO 8601, UTC).")
    stores: int = Field(description="Stores in the report (rows of its CSV).", examples=[14092])
    uptime_share_last_week: float | None = Field(
        description="The fleet's uptime share of business time last week, percent with one "
        "decimal: 100 x the sum of uptime_last_week over the sum of uptime_last_week + "
        "downtime_last_week, over the CSV's stores; null without business time.",
        examples=[85.9],
    )
    uptime_last_week: float = Field(
        description="The stores' uptime last week, summed (hours).", examples=[1310894.07]
    )
    business_last_week: float = Field(
        description="The stores' business time last week, summed (hours).",
        examples=[1522392.46],
    )
    down_all_week: int = Field(
        description="Stores with uptime_last_week = 0 and downtime_last_week > 0.", examples=[415]
    )
    down_last_hour: int = Field(
        description='Stores with uptime_last_hour = 0 and downtime_last_hour > 0 ("down now").',
        examples=[702],
    )
    closed_last_hour: int = Field(
        description="Stores without business time in the last hour.", examples=[6120]
    )
    extrapolated_share_last_week: float | None = Field(
        description="Percent of last week's business time more than 2 hours from every poll "
        "(extrapolated over polling holes), one decimal; null until the report's data-quality "
        "step has run, seconds after Complete.",
        examples=[25.0],
    )

    @classmethod
    def of_report(cls, report_id: str, now: str | None, folder: Path, csv: Path) -> ReportSummary:
        """Sum a report's CSV up, with its kept data quality when there is some.

        Args:
            report_id: The report.
            now: Its instant.
            folder: Its folder (``quality.json`` is read there).
            csv: Its CSV.

        Returns:
            The summary.
        """
        # here, not at the top: the API process imports storemon.analysis only when asked for it
        from storemon.analysis.metrics import fleet_summary

        summary = fleet_summary(pd.read_csv(csv, dtype={"store_id": str}))
        share = summary.uptime_share_last_week
        extrapolated = None
        quality = folder / QUALITY_FILE
        if quality.is_file():
            extrapolated = read_json(quality)["extrapolated_share_pct"].get("last_week")
        return cls(
            report_id=report_id,
            now=now,
            stores=summary.stores,
            uptime_share_last_week=None if math.isnan(share) else share,
            uptime_last_week=summary.uptime_last_week,
            business_last_week=summary.business_last_week,
            down_all_week=summary.down_all_week,
            down_last_hour=summary.down_last_hour,
            closed_last_hour=summary.closed_last_hour,
            extrapolated_share_last_week=extrapolated,
        )
