"""A store's week as its report counted it: drawn, and a line that sums it up.

The week comes from the API (``GET /reports/{id}/stores/{store}``, through
:meth:`.client.ApiClient.store_view`): what the report job kept of the store, so the picture is
the report's snapshot, whatever was ingested since. The dashboard never opens the database.
"""

from __future__ import annotations

import html

import pandas as pd

from storemon.analysis.weeks import instants, span_frame
from storemon.dashboard import charts
from storemon.jobs.store_view import StoreView
from storemon.timelines import StoreTimeline

HOUR_NS = 3_600_000_000_000


def week_of(view: StoreView) -> StoreTimeline:
    """A store's view as the frames :func:`storemon.analysis.plots.timeline_plot` draws.

    Args:
        view: The store's view, as the API answered it.

    Returns:
        The week: business spans, polls and the interpolated status, UTC timestamps.
    """
    window = instants([view.week_start, view.now])
    return StoreTimeline(
        store_id=view.store_id,
        zone=view.zone,
        method=view.method,
        now=window[1],
        week_start=window[0],
        business=span_frame(view.business, with_status=False),
        polls=pd.DataFrame(
            {
                "time": instants([p.time for p in view.polls]),
                "status": [p.status for p in view.polls],
                "in_hours": [p.in_hours for p in view.polls],
                "observed": [p.observed for p in view.polls],
            }
        ),
        status=span_frame(view.status),
    )


def week_picture(view: StoreView) -> bytes:
    """A store's week drawn as a PNG (business hours, polls, the status the report counts)."""
    return charts.png("timeline_plot", week_of(view))


def business_hours(view: StoreView) -> float:
    """The store's business hours in the week window (unrounded)."""
    spans = span_frame(view.business, with_status=False)
    return float((spans["end"] - spans["start"]).sum().value / HOUR_NS)


def week_summary(view: StoreView) -> str:
    """The line under a store's week: its hours, and what the report counts of them.

    The same words and units as the table: uptime and downtime, hours (the last hour in
    minutes).

    Args:
        view: The store's view.

    Returns:
        HTML.
    """
    return (
        f"<b>Store {html.escape(view.store_id)}</b> ({html.escape(view.zone)}): "
        f"{business_hours(view):.2f} business hours in the week: "
        f"uptime {view.uptime_last_week:.2f} h, downtime {view.downtime_last_week:.2f} h "
        f"(the report's numbers; last day uptime {view.uptime_last_day:.2f} h, downtime "
        f"{view.downtime_last_day:.2f} h; last hour uptime {view.uptime_last_hour:.2f} min, "
        f"downtime {view.downtime_last_hour:.2f} min)."
    )


def unknown_store(store_id: str) -> str:
    """The sentence for a store id the report does not hold.

    Args:
        store_id: The id asked for.

    Returns:
        HTML.
    """
    return (
        f"There is no store <code>{html.escape(store_id)}</code> in this report: it was never "
        "polled before the report's instant, or the id is mistyped. Pick one from the table, "
        "or filter the table by part of its id."
    )
