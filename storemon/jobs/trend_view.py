"""A report's trend as clients see it: what ``GET /reports/{id}/trend`` answers.

A report job keeps its trends beside ``report.csv`` (``trend/week.parquet``, ``trend/day.parquet``,
written by :func:`storemon.analysis.trends.keep_trends` from the report's own snapshot);
:class:`Trend` is one window of it, the fleet's totals or one store's own points, newest first.
Like :class:`~storemon.jobs.store_view.StoreView`, one model for the API that answers it and the
dashboard that reads it back; it imports neither DuckDB nor the engine.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

Window = Literal["week", "day"]
_END = "2024-11-26T12:00:00Z"


class TrendPoint(BaseModel):
    """One period: the report as of its end, for the fleet (sums) or for one store."""

    period_end: str = Field(
        description="The period's end (ISO 8601, UTC); the period is the week or day before it.",
        examples=[_END],
    )
    uptime: float = Field(
        description="Hours of business time online: the stores' sum, or the store's own.",
        examples=[1310894.07],
    )
    downtime: float = Field(
        description="Hours of business time offline, likewise.", examples=[211498.39]
    )
    uptime_share: float | None = Field(
        description="uptime / (uptime + downtime), rounded to 4 decimals; null without business "
        "time.",
        examples=[0.8611],
    )
    stores: int = Field(
        description="Stores counted: those polled at or before period_end (1 for a store).",
        examples=[14092],
    )


class Trend(BaseModel):
    """A report's trend in one window: its points, newest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "window": "week",
                    "points": [
                        {
                            "period_end": _END,
                            "uptime": 1310894.07,
                            "downtime": 211498.39,
                            "uptime_share": 0.8611,
                            "stores": 14092,
                        },
                        {
                            "period_end": "2024-11-19T12:00:00Z",
                            "uptime": 1305641.02,
                            "downtime": 209807.21,
                            "uptime_share": 0.8616,
                            "stores": 14029,
                        },
                    ],
                }
            ]
        }
    )

    window: Window = Field(description="`week` or `day`: the length of each period.")
    points: list[TrendPoint] = Field(description="One per period, newest first.")

    @classmethod
    def from_points(cls, window: Window, points: pd.DataFrame) -> Trend:
        """Build a trend from kept points (:func:`storemon.engine.trend.read_trend_points`).

        Args:
            window: ``week`` or ``day``.
            points: One row per period, newest first (``period_end`` a naive UTC timestamp).

        Returns:
            The trend.
        """
        return cls(
            window=window,
            points=[
                TrendPoint(
                    period_end=pd.Timestamp(row.period_end).isoformat() + "Z",
                    uptime=float(row.uptime),
                    downtime=float(row.downtime),
                    uptime_share=None if pd.isna(row.uptime_share) else float(row.uptime_share),
                    stores=int(row.stores),
                )
                for row in points.itertuples(index=False)
            ],
        )
