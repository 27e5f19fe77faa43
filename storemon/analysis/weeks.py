"""A store's week as data frames: helpers for :class:`storemon.timelines.StoreTimeline`.

The dashboard makes a timeline from a store's view that the API answered, the engine from the
database (for analysts); :func:`storemon.analysis.plots.timeline_plot` draws either. This module
imports neither DuckDB nor :mod:`storemon.engine`.
"""

from __future__ import annotations

import pandas as pd

from storemon.timelines import StoreTimeline


def instants(texts: list[str]) -> pd.Series:
    """ISO 8601 instants (nanoseconds kept) as UTC timestamps."""
    stamps = pd.to_datetime(texts, utc=True, format="ISO8601")
    return pd.Series(stamps, dtype="datetime64[ns, UTC]")


def span_frame(spans: list, with_status: bool = True) -> pd.DataFrame:
    """Spans as a frame: ``start``, ``end`` (UTC) and, ``with_status``, ``status``.

    Args:
        spans: Objects with ``start`` and ``end`` (ISO 8601), and ``status`` when asked for.
        with_status: Keep the spans' ``status``.

    Returns:
        The frame, in the spans' order.
    """
    frame = pd.DataFrame(
        {"start": instants([s.start for s in spans]), "end": instants([s.end for s in spans])}
    )
    if with_status:
        frame["status"] = [s.status for s in spans]
    return frame


def counted_status(week: StoreTimeline) -> pd.DataFrame:
    """The parts of the status that the report counts: those inside business hours.

    Args:
        week: A store's week (a :class:`~storemon.timelines.StoreTimeline`).

    Returns:
        One row per piece: ``start``, ``end`` (UTC) and ``status``, in time order; active pieces
        add up to the week's uptime, inactive ones to its downtime.
    """
    pieces = []
    for b_start, b_end in zip(week.business["start"], week.business["end"], strict=True):
        for s_start, s_end, status in week.status.itertuples(index=False):
            start, end = max(b_start, s_start), min(b_end, s_end)
            if start < end:
                pieces.append({"start": start, "end": end, "status": status})
    counted = pd.DataFrame(pieces, columns=["start", "end", "status"])
    return counted.sort_values("start", kind="stable").reset_index(drop=True)


# Polls come about hourly: a longer wait between two of them is a polling hole.
HOLE = pd.Timedelta(hours=2)


def polling_holes(week: StoreTimeline, longer_than: pd.Timedelta = HOLE) -> pd.DataFrame:
    """The spans of the week without any poll, longer than ``longer_than``.

    Args:
        week: A store's week.
        longer_than: The shortest gap between two polls (or the window's ends) that counts.

    Returns:
        One row per hole: ``start``, ``end`` (UTC), in time order.
    """
    times = sorted(week.polls["time"]) if len(week.polls) else []
    edges = [week.week_start, *times, week.now]
    holes = [
        {"start": start, "end": end}
        for start, end in zip(edges[:-1], edges[1:], strict=True)
        if end - start > longer_than
    ]
    return pd.DataFrame(holes, columns=["start", "end"])
