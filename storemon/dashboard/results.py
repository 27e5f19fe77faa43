"""A complete report's results: the store table's pages, its CSV, and a store's week and days.

A base of :class:`~storemon.dashboard.app.Dashboard`, which owns the report shown and runs the
background work; the callbacks here only read the report and update the result widgets.
"""

from __future__ import annotations

import base64
import html
import threading
import time
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from storemon.config import REPORT_COLUMNS
from storemon.dashboard import charts, messages
from storemon.dashboard.client import ApiClient, ApiError
from storemon.dashboard.controls import ALL_ZONES, NO_STORE, Controls
from storemon.dashboard.store_week import unknown_store, week_picture, week_summary
from storemon.dashboard.table import page_of, rows_csv, store_table, table_html
from storemon.errors import StoremonError
from storemon.jobs.records import ReportView
from storemon.jobs.trend_view import Trend

TREND_WAIT_SECONDS = 300.0  # a report's trend is written seconds after it is Complete


def show_png(image: widgets.Image, picture: bytes | None) -> None:
    """Show a picture, or hide the image when there is none (no broken-image icon)."""
    image.value = picture or b""
    image.layout.display = None if picture else "none"


def trend_frame(trend: Trend) -> pd.DataFrame:
    """A trend's points as a frame: ``period_end`` (naive UTC), hours, share, stores."""
    frame = pd.DataFrame([point.model_dump() for point in trend.points])
    if frame.empty:
        return pd.DataFrame(columns=["period_end", "uptime", "downtime", "uptime_share", "stores"])
    frame["period_end"] = pd.to_datetime(frame["period_end"], utc=True).dt.tz_convert(None)
    return frame


class Results(Controls):
    """The store table and a store's week, for the report the dashboard shows."""

    # Set by the dashboard.
    report: pd.DataFrame | None
    report_status: ReportView | None
    client: ApiClient
    _page: int
    _setting_stores: bool
    _store_asked: str | None
    _showing: threading.Lock
    _setting_zones: bool = False
    poll_interval: float
    _in_background: Callable[..., None]

    # --- table -------------------------------------------------------------------------------

    def _on_table_change(self, change: dict) -> None:
        """Filter, sort or page size changed: back to the first page."""
        if self._setting_zones:
            return
        self._page = 0
        self._render_table()

    def _turn_page(self, step: int) -> None:
        """Previous or next page."""
        self._page += step
        self._render_table()

    def table_rows(self) -> pd.DataFrame:
        """The store table as filtered and sorted now (all pages).

        Returns:
            Rows of :func:`.table.store_table`; empty before a report is complete.
        """
        report = self.report
        if report is None:
            report = pd.DataFrame(columns=REPORT_COLUMNS).astype({"store_id": str})
        return store_table(
            report,
            self.filter_text.value,
            self.sort_by.value,
            self.descending.value,
            self.status_filter.value,
            self.zone_filter.value,
        )

    def _render_table(self) -> None:
        """Show the current page of the table and offer its stores in the store picker."""
        total = 0 if self.report is None else len(self.report)
        shown = page_of(self.table_rows(), self._page, self.page_size.value, total)
        self._page = shown.number
        self.table.value = table_html(shown.rows)
        self.page_label.value = shown.label
        self.previous_page.disabled = shown.number == 0
        self.next_page.disabled = shown.number >= shown.count - 1
        self.csv_link.value = ""
        self._offer_stores(list(shown.rows["store_id"]))

    def _on_csv(self, _button: widgets.Button | None = None) -> None:
        """CSV of these rows: a link to the table's rows as filtered now (all pages)."""
        rows = self.table_rows()
        content = rows_csv(rows)
        href = "data:text/csv;base64," + base64.b64encode(content).decode()
        name = (
            "stores.csv"
            if self.report_status is None
            else (f"stores-{self.report_status.report_id[:8]}.csv")
        )
        self.csv_link.value = (
            f'<a class="storemon-rows-csv" href="{href}" download="{name}">⬇ Save {len(rows):,} '
            f"rows as CSV ({len(content):,} bytes)</a>"
        )

    def offer_zones(self, report: pd.DataFrame, zones: pd.Series) -> None:
        """Give the report its stores' zones and offer them in the zone filter (unchanged view).

        Args:
            report: The report shown (its ``zone`` column is added).
            zones: The zones by store id (empty: none kept).
        """
        if zones.empty:
            return
        report["zone"] = report["store_id"].map(zones).to_numpy()
        self._setting_zones = True  # the table is drawn once, by the caller
        try:
            options = [(zone, zone) for zone in sorted(zones.unique())]
            self.zone_filter.options = [ALL_ZONES, *options]
            self.zone_filter.value = ""
        finally:
            self._setting_zones = False

    def _offer_stores(self, store_ids: list[str]) -> None:
        """Put the page's stores in the picker, keeping the picked one when it is still there."""
        picked = self.store_pick.value
        self._setting_stores = True
        try:
            self.store_pick.options = [NO_STORE] + [(store_id, store_id) for store_id in store_ids]
            self.store_pick.value = picked if picked in store_ids else ""
        finally:
            self._setting_stores = False

    # --- a store -----------------------------------------------------------------------------

    def _on_store_pick(self, change: dict) -> None:
        """A store was picked from the table's page (the typed id gives way)."""
        if not self._setting_stores and change["new"]:
            self.store_text.value = ""
            self.show_store(change["new"])

    def _on_store_text(self, change: dict) -> None:
        """A store id was typed (and Enter pressed); the picker gives way."""
        if change["new"].strip():
            self._setting_stores = True
            try:
                self.store_pick.value = ""
            finally:
                self._setting_stores = False
            self.show_store(change["new"].strip())

    def show_store(self, store_id: str) -> None:
        """Draw a store's week and its last 28 days for the report shown (in the background).

        Args:
            store_id: The store's id.
        """
        view = self.report_status
        if view is None:
            self.timeline_message.value = messages.message("error", "Get a complete report first.")
            return
        with self._showing:
            self._store_asked = store_id  # the last one asked for is the one shown
        self.timeline_message.value = f"<i>Drawing store {html.escape(store_id)}…</i>"
        self._in_background(self._draw_store, store_id, view, shown_in=self.timeline_message)

    def _still_asked(self, store_id: str, view: ReportView) -> bool:
        """Whether the store and report are still the ones to show (hold ``_showing``)."""
        return self.report_status is view and self._store_asked == store_id

    def _draw_store(self, store_id: str, view: ReportView) -> None:
        """Background part of :meth:`show_store`: each part shown only if still asked for."""
        try:
            store = self.client.store_view(view.report_id, store_id)
        except StoremonError as error:
            unknown = isinstance(error, ApiError) and error.status == 404
            text = unknown_store(store_id) if unknown else html.escape(str(error))
            with self._showing:
                if self._still_asked(store_id, view):
                    show_png(self.timeline_image, None)  # no picture of another store under it
                    show_png(self.store_days_image, None)
                    self.timeline_message.value = messages.message("error", text)
            return
        picture = week_picture(store)
        with self._showing:
            if not self._still_asked(store_id, view):
                return  # another report or store was asked for meanwhile
            show_png(self.timeline_image, picture)
            self.timeline_message.value = week_summary(store)
        days = self._store_days(view, store_id)
        png = None
        if days is not None:
            png = charts.png("store_trend_chart", trend_frame(days), "day")
        with self._showing:
            if self._still_asked(store_id, view):
                show_png(self.store_days_image, png)

    def _store_days(self, view: ReportView, store_id: str) -> Trend | None:
        """The store's last 28 days, once the report's trend is written (None: not to be had)."""
        deadline = time.monotonic() + TREND_WAIT_SECONDS
        while self.report_status is view and time.monotonic() < deadline:
            try:
                days = self.client.trend(view.report_id, "day", store_id)
            except ApiError:
                return None
            if days is not None:
                return days
            time.sleep(self.poll_interval)
        return None
