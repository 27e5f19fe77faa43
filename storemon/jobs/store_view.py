"""A store's view of a report: what ``GET /reports/{id}/stores/{store}`` answers.

A report job keeps every store's week beside ``report.csv`` (``store_weeks/``, written by
:func:`storemon.engine.timeline.write_store_weeks` from the report's own snapshot);
:class:`StoreView` is one store's part of it as clients see it, instants as ISO 8601 UTC strings
exact to the nanosecond. Like :class:`~storemon.jobs.records.ReportView`, one model for the API
that answers it and the dashboard that reads it back; it imports neither DuckDB nor the engine.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

Status = Literal["active", "inactive"]
NS_PER_TICK = 500  # a tick is half a microsecond


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


def tick_iso(ticks: int) -> str:
    """Ticks (half-microseconds since the epoch) as ISO 8601 UTC, exactly (to the nanosecond)."""
    return (
        pd.Timestamp(int(ticks) * NS_PER_TICK, unit="ns", tz="UTC")
        .isoformat()
        .replace("+00:00", "Z")
    )


def status_word(active: bool) -> Status:
    """``active`` or ``inactive``."""
    return "active" if active else "inactive"
