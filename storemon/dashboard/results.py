"""A complete report's results: the store table's pages and a store's week.

A base of :class:`~storemon.dashboard.app.Dashboard`, which owns the report shown and runs the
background work; the callbacks here only read the report and update the result widgets.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd

from storemon.config import REPORT_COLUMNS
from storemon.dashboard import messages
from storemon.dashboard.client import ApiClient
from storemon.dashboard.controls import Controls
from storemon.dashboard.store_week import week_picture, week_summary
from storemon.dashboard.table import page_of, store_table, table_html
from storemon.errors import StoremonError
from storemon.jobs.records import ReportView


class Results(Controls):
    """The store table and a store's week, for the report the dashboard shows."""

    # Set by the dashboard.
    report: pd.DataFrame | None
    report_status: ReportView | None
    client: ApiClient
    _page: int
    _setting_stores: bool
    _in_background: Callable[..., None]

    # --- table -------------------------------------------------------------------------------

    def _on_table_change(self, change: dict) -> None:
        """Filter, sort or page size changed: back to the first page."""
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
        if self.report is None:
            return store_table(pd.DataFrame(columns=REPORT_COLUMNS))
        return store_table(
            self.report, self.filter_text.value, self.sort_by.value, self.descending.value
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
        self._offer_stores(list(shown.rows["store_id"]))

    def _offer_stores(self, store_ids: list[str]) -> None:
        """Put the page's stores in the picker, keeping the picked one when it is still there."""
        picked = self.store_pick.value
        self._setting_stores = True
        try:
            self.store_pick.options = [("(pick a store of the table)", "")] + [
                (store_id, store_id) for store_id in store_ids
            ]
            self.store_pick.value = picked if picked in store_ids else ""
        finally:
            self._setting_stores = False

    # --- timeline ----------------------------------------------------------------------------

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
        """Draw a store's week for the report shown (in the background).

        Args:
            store_id: The store's id.
        """
        view = self.report_status
        if view is None:
            self.timeline_message.value = messages.message("error", "Get a complete report first.")
            return
        self.timeline_message.value = f"<i>Drawing the week of store {html.escape(store_id)}…</i>"
        self._in_background(self._draw_store, store_id, view, shown_in=self.timeline_message)

    def _draw_store(self, store_id: str, view: ReportView) -> None:
        """Background part of :meth:`show_store`."""
        try:
            store = self.client.store_view(view.report_id, store_id)
        except StoremonError as error:
            self.timeline_message.value = messages.message("error", html.escape(str(error)))
            self.timeline_image.value = b""
            return
        if self.report_status is not view:
            return  # another report was fetched meanwhile
        self.timeline_image.value = week_picture(store)
        self.timeline_message.value = week_summary(store)
