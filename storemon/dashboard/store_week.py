"""A store's week as the report saw it: its timeline, drawn, and a line that sums it up.

The timeline is read straight from the data the server's reports read (the dashboard opens the
database itself), as of the report's instant and with its method, so that it matches the report's
row. This module is the only place that does so, to be replaced by an API endpoint later.
"""

from __future__ import annotations

import html
import os
import threading
from pathlib import Path

import pandas as pd

from storemon.analysis import plots
from storemon.config import DEFAULT_DB, SOURCE_VARIABLE
from storemon.engine.timeline import StoreTimeline, TimelineReader, store_figures
from storemon.jobs.records import ReportView
from storemon.synthetic.demo import resolve_source


class Timelines:
    """Reads store timelines for the report shown; one reader per report, the last one kept.

    Args:
        source: The data the server's reports read (default: the ``STOREMON_SOURCE``
            environment variable, else the default database, with the same demo-data fallback
            as the reports).
    """

    def __init__(self, source: str | Path | None = None) -> None:
        self.source = source or os.environ.get(SOURCE_VARIABLE) or DEFAULT_DB
        self._reader: TimelineReader | None = None
        self._key: tuple | None = None
        self._lock = threading.Lock()

    def timeline(self, view: ReportView, store_id: str) -> StoreTimeline:
        """A store's timeline as of a report's instant, with its method.

        Args:
            view: A complete report's record.
            store_id: The store's id.

        Returns:
            The store's timeline.

        Raises:
            StoremonError: The store is not in the report, or the data cannot be read.
        """
        return self._reader_for(view).timeline(store_id)

    def _reader_for(self, view: ReportView) -> TimelineReader:
        """The reader of a report (the previous report's one is closed)."""
        key = (view.report_id, view.now, view.method)
        with self._lock:
            if self._key != key:
                self._close_reader()
                path, _ = resolve_source(self.source)
                self._reader = TimelineReader(path, as_of=view.now, method=view.method)
                self._key = key
            return self._reader

    def _close_reader(self) -> None:
        """Close the current reader, if any (the lock is held)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
            self._key = None

    def close(self) -> None:
        """Close the reader and its database connection."""
        with self._lock:
            self._close_reader()


def week_picture(timeline: StoreTimeline) -> bytes:
    """A store's week drawn as a PNG (business hours, polls, the status the report counts)."""
    return plots.figure_png(plots.timeline_plot(timeline))


def week_summary(timeline: StoreTimeline, report: pd.DataFrame | None) -> str:
    """The line under a store's week: its hours, and what the report says of it.

    Args:
        timeline: The store's timeline.
        report: The report shown, for the store's row (None or without it: not said).

    Returns:
        HTML.
    """
    figures = store_figures(timeline)
    reported = ""
    if report is not None:
        match = report[report["store_id"] == timeline.store_id]
        if not match.empty:
            row = match.iloc[0]
            reported = (
                f" The report says {row['uptime_last_week']:.2f} h up and "
                f"{row['downtime_last_week']:.2f} h down last week."
            )
    return (
        f"<b>Store {html.escape(timeline.store_id)}</b> ({html.escape(timeline.zone)}): "
        f"{figures['business_last_week']:.2f} business hours in the week, "
        f"{figures['uptime_last_week']:.2f} h active and "
        f"{figures['downtime_last_week']:.2f} h inactive.{reported}"
    )
