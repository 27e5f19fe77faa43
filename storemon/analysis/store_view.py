"""A store's view of a report: what the store endpoint answers and the dashboard draws.

A report job keeps every store's week beside ``report.csv`` (see
:func:`storemon.analysis.reading.build_reading`); :class:`StoreView` is one store's part of it,
as the API sends it (instants as ISO 8601 UTC strings, exact to the nanosecond) and as the
dashboard reads it back. :meth:`StoreView.week` turns it into the frames that
:func:`storemon.analysis.plots.timeline_plot` draws, like a
:class:`storemon.engine.timeline.StoreTimeline` (both satisfy :class:`Week`).

This module imports neither DuckDB nor :mod:`storemon.engine`: the dashboard uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import pandas as pd
from pydantic import BaseModel, Field

Status = Literal["active", "inactive"]
NS_PER_TICK = 500  # a tick is half a microsecond


class Week(Protocol):
    """A store's week window as drawn: what a store view and an engine timeline both offer."""

    store_id: str
    zone: str
    method: str
    now: pd.Timestamp
    week_start: pd.Timestamp
    business: pd.DataFrame
    polls: pd.DataFrame
    status: pd.DataFrame


@dataclass(frozen=True)
class StoreWeek:
    """A :class:`StoreView` as data frames (the fields of :class:`Week`), UTC timestamps.

    Attributes:
        store_id: The store.
        zone: The IANA zone its hours are read in.
        method: ``nearest`` or ``carry_forward``.
        now: The report's instant.
        week_start: ``now`` minus 7 days.
        business: ``start``, ``end`` per business span.
        polls: ``time``, ``status``, ``in_hours``, ``observed`` per poll.
        status: ``start``, ``end``, ``status`` per run of the interpolated status.
    """

    store_id: str
    zone: str
    method: str
    now: pd.Timestamp
    week_start: pd.Timestamp
    business: pd.DataFrame
    polls: pd.DataFrame
    status: pd.DataFrame


class Span(BaseModel):
    """A span of time ``[start, end)``."""

    start: str = Field(description="ISO 8601 instant, UTC.", examples=["2024-11-05T14:00:00Z"])
    end: str = Field(description="ISO 8601 instant, UTC.", examples=["2024-11-05T22:00:00Z"])


class StatusSpan(Span):
    """A span of one status."""

    status: Status


class Poll(BaseModel):
    """A poll of the week window."""

    time: str = Field(description="ISO 8601 instant, UTC.")
    status: Status
    in_hours: bool = Field(description="Taken inside the store's business hours.")
    observed: bool = Field(description="Used by the report as an observation.")


class StoreView(BaseModel):
    """One store's week as its report counted it, and the report's six numbers for it."""

    report_id: str
    store_id: str
    zone: str = Field(description="The IANA time zone its business hours are read in.")
    method: str = Field(description="`nearest` or `carry_forward`.")
    now: str = Field(description="The report's instant (ISO 8601, UTC); windows end there.")
    week_start: str = Field(description="`now` minus 7 days: the week window's start.")
    uptime_last_hour: float = Field(description="Minutes, as in the CSV.")
    uptime_last_day: float = Field(description="Hours, as in the CSV.")
    uptime_last_week: float = Field(description="Hours, as in the CSV.")
    downtime_last_hour: float = Field(description="Minutes, as in the CSV.")
    downtime_last_day: float = Field(description="Hours, as in the CSV.")
    downtime_last_week: float = Field(description="Hours, as in the CSV.")
    business: list[Span] = Field(description="Business hours inside the week window.")
    polls: list[Poll] = Field(description="Every poll in [week_start, now].")
    status: list[StatusSpan] = Field(
        description="The interpolated status over the whole week window."
    )
    counted: list[StatusSpan] = Field(
        description="The status over business time only: what the six numbers count."
    )

    @classmethod
    def from_row(cls, row: dict, report_id: str, method: str) -> StoreView:
        """Build a view from a store's saved row (instants in ticks and microseconds).

        Args:
            row: From :func:`storemon.engine.timeline.read_store_week`.
            report_id: The report.
            method: The report's method.

        Returns:
            The view.
        """

        def spans(items: list[dict]) -> list[dict]:
            return [
                {"start": tick_iso(item["lo_hus"]), "end": tick_iso(item["hi_hus"])}
                | ({"status": status_word(item["active"])} if "active" in item else {})
                for item in items
            ]

        polls = [
            {
                "time": tick_iso(2 * poll["t_us"]),
                "status": status_word(poll["active"]),
                "in_hours": poll["in_hours"],
                "observed": poll["observed"],
            }
            for poll in row["polls"]
        ]
        numbers = {name: row[name] for name in cls.model_fields if name.startswith(("up", "down"))}
        return cls(
            report_id=report_id,
            store_id=str(row["store_id"]),
            zone=str(row["zone"]),
            method=method,
            now=tick_iso(2 * row["now_us"]),
            week_start=tick_iso(2 * row["week_start_us"]),
            business=spans(row["business"]),
            polls=polls,
            status=spans(row["status"]),
            counted=spans(row["counted"]),
            **numbers,
        )

    def week(self) -> StoreWeek:
        """The view as data frames, for :func:`storemon.analysis.plots.timeline_plot`."""
        return StoreWeek(
            store_id=self.store_id,
            zone=self.zone,
            method=self.method,
            now=utc(self.now),
            week_start=utc(self.week_start),
            business=span_frame(self.business, with_status=False),
            polls=pd.DataFrame(
                {
                    "time": instants([p.time for p in self.polls]),
                    "status": [p.status for p in self.polls],
                    "in_hours": [p.in_hours for p in self.polls],
                    "observed": [p.observed for p in self.polls],
                }
            ),
            status=span_frame(self.status),
        )


def tick_iso(ticks: int) -> str:
    """Ticks (half-microseconds since the epoch) as ISO 8601 UTC, exactly (to the nanosecond)."""
    return (
        pd.Timestamp(int(ticks) * NS_PER_TICK, unit="ns", tz="UTC")
        .isoformat()
        .replace("+00:00", "Z")
    )


def utc(text: str) -> pd.Timestamp:
    """An ISO 8601 instant as a UTC timestamp (nanoseconds kept)."""
    return pd.Timestamp(text).tz_convert("UTC")


def status_word(active: bool) -> Status:
    """``active`` or ``inactive``."""
    return "active" if active else "inactive"


def instants(texts: list[str]) -> pd.Series:
    """ISO 8601 instants (as :func:`tick_iso` writes them) as UTC timestamps."""
    stamps = pd.to_datetime(texts, utc=True, format="ISO8601")
    return pd.Series(stamps, dtype="datetime64[ns, UTC]")


def span_frame(spans: list[Span] | list[StatusSpan], with_status: bool = True) -> pd.DataFrame:
    """Spans as a frame: ``start``, ``end`` (UTC) and, ``with_status``, ``status``."""
    frame = pd.DataFrame(
        {"start": instants([s.start for s in spans]), "end": instants([s.end for s in spans])}
    )
    if with_status:
        frame["status"] = [s.status for s in spans]
    return frame


def counted_status(week: Week) -> pd.DataFrame:
    """The parts of the status that the report counts: those inside business hours.

    Args:
        week: A store's week (a :class:`StoreWeek` or an engine timeline).

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
