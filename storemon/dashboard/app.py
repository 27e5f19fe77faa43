"""The dashboard: its state and callbacks (``notebooks/dashboard.ipynb`` shows it under Voilà).

The dashboard is a client of the HTTP API (:mod:`storemon.service.api`), like any other: it
triggers reports, polls their status and downloads their CSV over HTTP, so there is one job
queue, the server's. A store's week comes from the API too (:mod:`.store_week`): the dashboard
never opens the database.

Every slow step (polling a running report, loading a finished one, drawing a timeline) runs in a
background thread; callbacks only start it, so the page never freezes. Widgets are updated from
those threads, which ipywidgets allows (each update is one message to the page).
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from storemon.analysis import plots
from storemon.dashboard import messages
from storemon.dashboard.client import ApiClient, ApiError
from storemon.dashboard.layout import page, results_box
from storemon.dashboard.results import Results
from storemon.dashboard.table import read_report_csv
from storemon.dashboard.workers import Workers
from storemon.jobs.records import ReportState, ReportView

log = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8000"
WORKER_THREADS = 4  # a report's poller, a timeline, a trigger and a list refresh at once


class Dashboard(Results, widgets.VBox):
    """Trigger reports, watch them run, and read a complete one as a table and pictures.

    Build it with :func:`build_dashboard`; its widgets are those of :class:`.Controls`, and
    :class:`.Results` shows a complete report.

    Args:
        api_url: Base URL of the storemon API.
        token: The API's bearer token, when it needs one.
        poll_interval: Seconds between two status requests while a report runs.
    """

    def __init__(
        self,
        api_url: str,
        token: str | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self.client = ApiClient(api_url, token)
        self.poll_interval = poll_interval
        self.report: pd.DataFrame | None = None
        self.report_status: ReportView | None = None
        self._generation = 0  # bumped by every Get: a stale poller stops itself
        self._state_lock = threading.Lock()
        self._workers = Workers(WORKER_THREADS)
        self._page = 0
        self._progress_seen = 0.0
        self._setting_stores = False
        self._setting_recent = False
        self.build_controls()
        self.results = results_box(self)
        super().__init__(
            page(self, self.results, self.client.api_url), layout=widgets.Layout(width="auto")
        )
        self.add_class("storemon-dashboard")
        self._connect()
        self._in_background(self.refresh_data, shown_in=self.data_freshness)
        self.refresh_recent()

    def _connect(self) -> None:
        """Connect the widgets to their callbacks."""
        self.trigger_button.on_click(self._on_trigger)
        self.get_button.on_click(self._on_get)
        for control in (self.filter_text, self.sort_by, self.descending, self.page_size):
            control.observe(self._on_table_change, names="value")
        self.previous_page.on_click(lambda _: self._turn_page(-1))
        self.next_page.on_click(lambda _: self._turn_page(1))
        self.store_pick.observe(self._on_store_pick, names="value")
        self.store_text.observe(self._on_store_text, names="value")
        self.recent.observe(self._on_recent_pick, names="value")
        self.refresh_button.on_click(self._on_refresh)

    # --- threads -----------------------------------------------------------------------------

    def _in_background(
        self, target: Callable[..., None], *args: object, shown_in: widgets.HTML | None = None
    ) -> None:
        """Run ``target(*args)`` on a worker thread (callbacks must return at once).

        An unexpected error is shown in ``shown_in`` (default the status line) instead of dying
        silently in the thread, where nobody would see it.
        """

        def run() -> None:
            try:
                target(*args)
            except Exception as error:  # noqa: BLE001 - shown to the person, not swallowed
                log.exception("dashboard task %s failed", getattr(target, "__name__", target))
                (shown_in or self.status_message).value = messages.message(
                    "error", html.escape(f"Something went wrong: {type(error).__name__}: {error}")
                )

        self._workers.submit(run)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until no background work runs (tests and scripts; the page never waits).

        Args:
            timeout: Seconds to wait at most.

        Returns:
            True when everything finished in time.
        """
        return self._workers.wait_idle(timeout)

    # --- trigger -----------------------------------------------------------------------------

    def _on_trigger(self, _button: widgets.Button | None = None) -> None:
        """Trigger: queue a report with the chosen parameters, show its id, fill the Get field."""
        self.trigger_button.disabled = True
        self.trigger_message.value = "<i>Triggering…</i>"
        self._in_background(
            self._trigger, self.as_of.value, self.method.value, shown_in=self.trigger_message
        )

    def _trigger(self, as_of: str, method: str) -> None:
        """Background part of Trigger."""
        try:
            report_id = self.client.trigger(as_of or None, method)
        except ApiError as error:
            self.trigger_message.value = messages.message("error", f"Not triggered: {error}")
            return
        finally:
            self.trigger_button.disabled = False
        self.new_id.value = report_id
        self.report_id.value = report_id
        when = "the latest poll" if not as_of.strip() else html.escape(as_of.strip())
        self.trigger_message.value = messages.message(
            "ok",
            f"Report triggered ({html.escape(method)}, as of {when}). Its id is below; "
            "click <b>Get report</b> to follow it.",
        )
        self.refresh_recent()

    # --- get ---------------------------------------------------------------------------------

    def _on_get(self, _button: widgets.Button | None = None) -> None:
        """Get: follow the report whose id is in the field until it is done."""
        report_id = self.report_id.value.strip()
        with self._state_lock:
            self._generation += 1
            generation = self._generation
        self._hide_results()
        if not report_id:
            self.status_message.value = messages.message(
                "error", "Enter a report id: trigger a report, or pick one from Recent reports."
            )
            return
        self.status_message.value = "<i>Asking the API…</i>"
        self._in_background(self._follow, report_id, generation)

    def _current(self, generation: int) -> bool:
        """Whether a background task still serves the latest Get."""
        with self._state_lock:
            return generation == self._generation

    def _follow(self, report_id: str, generation: int) -> None:
        """Poll a report until Complete or Failed, updating the status as it goes."""
        self._progress_seen = 0.0
        while self._current(generation):
            try:
                view = self.client.status(report_id)
            except ApiError as error:
                if error.status == 404:
                    text = f"There is no report with id {html.escape(report_id)}."
                else:
                    text = html.escape(str(error))
                self.status_message.value = messages.message("error", text)
                self.progress.layout.display = "none"
                return
            if not self._current(generation):
                return
            if view.status is ReportState.RUNNING:
                self._show_running(view)
                time.sleep(self.poll_interval)
                continue
            self.progress.layout.display = "none"
            if view.status is ReportState.FAILED:
                self.status_message.value = messages.failed(view)
            else:
                self._show_complete(view, generation)
            self.refresh_recent()
            self.refresh_data()
            return

    def _show_running(self, view: ReportView) -> None:
        """Show a running report: its stage, elapsed time and progress."""
        progress = view.progress
        if progress is not None:
            # The API's share of cells done can drop back while the outputs are written.
            progress = max(progress, self._progress_seen)
            self._progress_seen = progress
        self.progress.layout.display = None
        self.progress.value = float(progress or 0.0)
        self.progress.bar_style = "" if view.stage == "queued" else "info"
        self.status_message.value = messages.running(view, progress)

    def _show_complete(self, view: ReportView, generation: int) -> None:
        """Load a complete report's CSV and show the table, the charts and a timeline."""
        self.status_message.value = messages.loading(view)
        try:
            if view.csv_url is None:
                raise ValueError("the API gave no link to its CSV")
            content = self.client.download(view.csv_url)
            report = read_report_csv(content)
        except (ApiError, ValueError) as error:
            self.status_message.value = messages.unreadable(error)
            return
        if not self._current(generation):
            return
        self.report, self.report_status = report, view
        self.status_message.value = messages.complete(view, len(report))
        # With a token the browser could not fetch the API's link, so the CSV is inlined.
        self.summary.value = messages.download_links(view, content, bool(self.client.token))
        self.histogram.value = plots.figure_png(plots.uptime_histogram(report))
        self.top_chart.value = plots.figure_png(plots.top_downtime_chart(report, 20))
        self._page = 0
        self._render_table()
        self.results.layout.display = None
        # Start with the week of the table's first store (most downtime by default).
        first = self.store_pick.options[1][1] if len(self.store_pick.options) > 1 else ""
        if first:
            self.store_pick.value = first

    def _hide_results(self) -> None:
        """Hide the previous report's results while another one is fetched."""
        self.results.layout.display = "none"
        self.progress.layout.display = "none"
        self.report, self.report_status = None, None
        self._offer_stores([])
        self.timeline_image.value = b""
        self.timeline_message.value = ""

    def _on_refresh(self, _button: widgets.Button | None = None) -> None:
        """Refresh list: reload the recent reports, and the header's data freshness."""
        self._in_background(self.refresh_recent, shown_in=self.recent_message)
        self._in_background(self.refresh_data, shown_in=self.data_freshness)

    def refresh_data(self) -> None:
        """Show how fresh the server's data is in the header line (``GET /data``)."""
        try:
            self.data_freshness.value = messages.data_line(self.client.data())
        except ApiError as error:
            text = html.escape(f"data: {error}")
            self.data_freshness.value = f"<p>{messages.message('error', text)}</p>"

    # --- recent ------------------------------------------------------------------------------

    def refresh_recent(self) -> None:
        """Reload the list of recent reports from the API."""
        try:
            reports = self.client.recent(20)
        except ApiError as error:
            self.recent_message.value = messages.message("error", html.escape(str(error)))
            return
        options = [(messages.recent_label(view), view.report_id) for view in reports]
        self._setting_recent = True
        try:
            picked = self.recent.value
            self.recent.options = options
            ids = [value for _, value in options]
            self.recent.value = picked if picked in ids else None
        finally:
            self._setting_recent = False
        self.recent_message.value = (
            f"&nbsp;{len(reports)} most recent; pick one to get it."
            if reports
            else "&nbsp;no reports yet: trigger one."
        )

    def _on_recent_pick(self, change: dict) -> None:
        """A report was picked from the recent list: get it."""
        if self._setting_recent or not change["new"]:
            return
        self.report_id.value = change["new"]
        self._on_get()

    def close(self) -> None:
        """Stop background work and close the widgets."""
        with self._state_lock:
            self._generation += 1
        self._workers.stop()
        super().close()


def build_dashboard(
    api_url: str = DEFAULT_API_URL,
    token: str | None = None,
    poll_interval: float = 1.0,
) -> Dashboard:
    """Build the dashboard widget.

    Args:
        api_url: Base URL of the storemon API (``storemon serve``).
        token: The API's bearer token, when it needs one (``STOREMON_API_TOKEN``).
        poll_interval: Seconds between two status requests while a report runs.

    Returns:
        The dashboard, an ``ipywidgets.VBox``: display it (the last value of a cell).
    """
    return Dashboard(api_url, token=token, poll_interval=poll_interval)
