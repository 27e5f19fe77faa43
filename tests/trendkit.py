"""The trend's brute-force reference: each period's report as of its end, by tests/reference.py.

A trend point means the report as of the period's end (docs/report.md, "Trends"), so the
reference computes exactly that, one reference report per period, and keeps the window's two
columns of every store in it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
from cases import Dataset
from reference import parse_timestamp

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WINDOWS = {"week": timedelta(days=7), "day": timedelta(days=1)}
TREND_COLUMNS = ["store_id", "period_end", "uptime", "downtime"]


def newest_end(data: Dataset, as_of: object) -> datetime:
    """The newest period's end: ``as_of``, else the latest valid poll (the report's ``now``)."""
    if as_of is not None:
        return EPOCH + timedelta(microseconds=parse_timestamp(as_of))
    valid = [
        instant
        for store, text, status in data.polls
        if (instant := parse_timestamp(text)) is not None
        and store.strip()
        and status.strip().lower() in {"active", "inactive"}
    ]
    return EPOCH + timedelta(microseconds=max(valid))


def reference_trend(
    data: Dataset, as_of: object, window: str, periods: int, method: str
) -> pd.DataFrame:
    """Every store's window of the reference report as of each period's end, oldest first."""
    newest = newest_end(data, as_of)
    frames = []
    for k in reversed(range(periods)):
        end = newest - k * WINDOWS[window]
        report = data.reference(end, method)
        frames.append(
            pd.DataFrame(
                {
                    "store_id": report["store_id"].astype(str),
                    "period_end": pd.Timestamp(end),
                    "uptime": report[f"uptime_last_{window}"].astype(float),
                    "downtime": report[f"downtime_last_{window}"].astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[TREND_COLUMNS]


def trend_differences(engine: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Human-readable differences between two trends (empty when they agree exactly)."""
    if list(engine.columns) != TREND_COLUMNS:
        return [f"engine columns {list(engine.columns)} != {TREND_COLUMNS}"]
    keys = ["period_end", "store_id"]
    left = engine.assign(period_end=pd.to_datetime(engine["period_end"], utc=True))
    right = reference.assign(period_end=pd.to_datetime(reference["period_end"], utc=True))
    if list(zip(left["period_end"], left["store_id"], strict=True)) != list(
        zip(right["period_end"], right["store_id"], strict=True)
    ):
        rows = left.merge(right, on=keys, how="outer", indicator=True)
        odd = rows[rows["_merge"] != "both"][[*keys, "_merge"]]
        return [f"rows differ (left_only: engine, right_only: reference):\n{odd.to_string()}"]
    problems = []
    for column in ("uptime", "downtime"):
        wrong = left[column].to_numpy() != right[column].to_numpy()
        for i in wrong.nonzero()[0][:10]:
            problems.append(
                f"{left['store_id'].iloc[i]} ending {left['period_end'].iloc[i]} {column}: "
                f"engine {left[column].iloc[i]!r} != reference {right[column].iloc[i]!r}"
            )
    return problems
