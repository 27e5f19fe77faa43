"""The dashboard: its state and callbacks (``notebooks/dashboard.ipynb`` shows it under Voilà).

The dashboard is a client of the HTTP API (:mod:`storemon.service`), like any other: it lists,
triggers and follows reports and reads their headline, CSV, trend and store views over HTTP, so
there is one job queue, the server's, and one definition of every figure. It never opens the
database.

On open it shows the newest complete report without a click: the headline is asked for while
the notebook runs (two small requests), so the page arrives with its tiles filled; the CSV, the
charts, the table, the trend and a store's week follow in background threads. Callbacks only
start slow work, so the page never freezes; widgets are updated from those threads, which
ipywidgets allows (each update is one message to the page), once the page has created its
widgets (:mod:`.page_gate`).
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import ipywidgets as widgets
import pandas as pd

from storemon.analysis import metrics
from storemon.dashboard import charts, headline, messages
from storemon.dashboard.client import ApiClient, ApiError
from storemon.dashboard.follow import RECENT, Following
from storemon.dashboard.layout import page, results_box
from storemon.dashboard.page_gate import PageGate
from storemon.dashboard.results import TREND_WAIT_SECONDS, Results, show_png, trend_frame
from storemon.dashboard.table import read_report_csv
from storemon.dashboard.workers import Workers
from storemon.jobs.records import ReportState, ReportView
from storemon.jobs.summary_view import ReportSummary

log = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8000"
WORKER_THREADS = 8  # a report's poller, its CSV, trend and data quality, stores' weeks, lists
OPEN_TIMEOUT = 3.0  # seconds the page waits for the API while it opens (then: in background)


class Dashboard(Following, Results, widgets.VBox):
    """Show the newest report on open; trigger, follow and read reports.

    Build it with :func:`build_dashboard`; its widgets are those of :class:`.Controls`.

    Args:
        api_url: Base URL of the storemon API.
        token: The API's bearer token, when it needs one.
        poll_interval: Seconds between two status requests while a report runs.
        wait_for_page: Hold background updates until the page has created its widgets
            (:mod:`.page_gate`); by default only under `storemon serve`.
    """

    def __init__(
        self,
        api_url: str,
        token: str | None = None,
        poll_interval: float = 1.0,
        wait_for_page: bool | None = None,
    ) -> None:
        self.page_gate = PageGate(wait_for_page)
        self.client = ApiClient(api_url, token)
        self.poll_interval = poll_interval
        self.report: pd.DataFrame | None = None
        self.report_status: ReportView | None = None
        self._generation = 0  # bumped by every report asked for: stale followers stop
        self._state_lock = threading.Lock()
        self._workers = Workers(WORKER_THREADS)
        self._page = 0
        self._progress_seen = 0.0
        self._setting_stores = False
        self._store_asked: str | None = None
        self._showing = threading.Lock()  # a store's pictures: checked and shown at once
        self._setting_recent = False
        self.build_controls()
        self.results = results_box(self)
        children = [*page(self, self.results), self.page_gate.button]
        super().__init__(children, layout=widgets.Layout(width="100%"))
        self.add_class("storemon-dashboard")
        self._connect()
        self._in_background(self.refresh_data, shown_in=self.data_freshness)
        self._open()

    def _connect(self) -> None:
        """Connect the widgets to their callbacks."""
        self.trigger_button.on_click(self._on_trigger)
        self.get_button.on_click(self._on_get)
        for control in (
            self.filter_text,
            self.status_filter,
            self.zone_filter,
            self.sort_by,
            self.descending,
            self.page_size,
        ):
            control.observe(self._on_table_change, names="value")
        self.previous_page.on_click(lambda _: self._turn_page(-1))
        self.next_page.on_click(lambda _: self._turn_page(1))
        self.csv_button.on_click(self._on_csv)
        self.store_pick.observe(self._on_store_pick, names="value")
        self.store_text.observe(self._on_store_text, names="value")
        self.recent.observe(self._on_recent_pick, names="value")
        self.refresh_button.on_click(self._on_refresh)

    def _open(self) -> None:
        """Fill the headline of the newest complete report before the page is sent.

        Two small requests (the recent reports, the newest one's summary) with a short
        timeout; everything else, or all of it when the API is slow, in the background.
        """
        quick = ApiClient(self.client.api_url, self.client.token, timeout=OPEN_TIMEOUT)
        try:
            reports = quick.recent(RECENT)
            newest = next((v for v in reports if v.status is ReportState.COMPLETE), None)
            summary = None if newest is None else quick.summary(newest.report_id)
        except ApiError:
            self._in_background(self.open_latest)
            return
        if newest is None or summary is None:
            self._in_background(self.open_latest, reports)
            return
        self.fill_recent(reports)
        self._pick_quietly(newest.report_id)
        self.show_report(newest, self._next_generation(), summary)

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
                self.page_gate.wait()
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

    # --- a complete report -------------------------------------------------------------------

    def show_report(
        self, view: ReportView, generation: int, summary: ReportSummary | None = None
    ) -> None:
        """Show a complete report: its headline now, the rest from background threads.

        Args:
            view: Its record (Complete).
            generation: The request it answers (a later one makes this one stop).
            summary: Its headline, when already asked for.
        """
        if summary is None:
            try:
                summary = self.client.summary(view.report_id)
            except ApiError as error:
                self.status_message.value = messages.unreadable(error)
                return
        if summary is None or not self.current(generation):
            return
        self.report, self.report_status = None, view
        self.show_headline(view, summary)
        self.status_message.value = messages.complete(view, summary.stores)
        self.results.layout.display = None
        self.trend_message.value = "<i>The trend is being computed…</i>"
        self._in_background(self._load_csv, view, generation)
        self._in_background(self._load_trend, view, generation, shown_in=self.trend_message)
        if summary.extrapolated_share_last_week is None:
            self._in_background(self._wait_for_quality, view, generation)

    def show_headline(self, view: ReportView, summary: ReportSummary) -> None:
        """Fill the report line and the tiles."""
        self.report_line.value = headline.report_line(view)
        self.kpi_fleet_uptime.value = headline.fleet_uptime(summary)
        self.kpi_down_all_week.value = headline.down_all_week(summary)
        self.kpi_down_last_hour.value = headline.down_last_hour(summary)
        self.kpi_extrapolated.value = headline.extrapolated(summary)
        self.kpi_freshness.value = headline.freshness(view)

    def hide_report(self) -> None:
        """Hide the report shown (another one failed or is not there)."""
        self.results.layout.display = "none"
        self.report, self.report_status = None, None

    def _load_csv(self, view: ReportView, generation: int) -> None:
        """Download the report's CSV; draw the rankings and the table; show the first store."""
        # The zones are asked for meanwhile: the API reads them while this thread reads the CSV.
        with ThreadPoolExecutor(1) as pool:
            zones = pool.submit(self.client.zones, view.report_id)
            try:
                if view.csv_url is None:
                    raise ValueError("the API gave no link to its CSV")
                content = self.client.download(view.csv_url)
                report = read_report_csv(content)
            except (ApiError, ValueError) as error:
                self.status_message.value = messages.unreadable(error)
                return
        if not self.current(generation):
            return
        top_chart = charts.png("top_downtime_chart", report, 20)
        histogram = charts.png("uptime_histogram", report)
        self.page_gate.wait()
        if not self.current(generation):
            return
        self.report = report
        down = metrics.down_all_week(report)
        self.down_list.value = headline.down_all_week_list(sorted(down.index[down.to_numpy()]))
        show_png(self.top_chart, top_chart)
        show_png(self.histogram, histogram)
        try:
            self.offer_zones(report, zones.result())
        except ApiError:
            pass  # the table is shown without zones
        self._page = 0
        self._render_table()
        # Last, once the rest is drawn. With a token the browser could not fetch the API's
        # link, so the CSV is inlined.
        self.summary.value = messages.download_links(view, content, bool(self.client.token))
        # Start with a week worth a look: the store with the most of both uptime and downtime
        # (a store down or up all week is one flat bar), picked on the page or typed.
        first = metrics.default_store(report) if len(report) else ""
        if first and self.current(generation):
            if first in [value for _, value in self.store_pick.options]:
                self._setting_stores = True  # drawn once, below, even if the picker held it
                try:
                    self.store_pick.value = first
                finally:
                    self._setting_stores = False
            self.show_store(first)

    def _load_trend(self, view: ReportView, generation: int) -> None:
        """Draw the fleet's weekly trend once the report's trend is written."""
        deadline = time.monotonic() + TREND_WAIT_SECONDS
        while self.current(generation):
            trend = self.client.trend(view.report_id, "week")
            if trend is not None:
                table = metrics.fleet_trend_table(trend_frame(trend))
                picture = charts.png("fleet_trend_chart", table)
                self.page_gate.wait()
                if self.current(generation):
                    show_png(self.trend_image, picture)
                    self.trend_message.value = ""
                return
            if time.monotonic() > deadline:
                self.page_gate.wait()
                self.trend_message.value = messages.message("error", "The trend did not come.")
                return
            time.sleep(self.poll_interval)

    def _wait_for_quality(self, view: ReportView, generation: int) -> None:
        """Fill the extrapolated tile once the report's data-quality step has run."""
        deadline = time.monotonic() + TREND_WAIT_SECONDS
        while self.current(generation) and time.monotonic() < deadline:
            time.sleep(self.poll_interval)
            summary = self.client.summary(view.report_id)
            if summary is not None and summary.extrapolated_share_last_week is not None:
                self.page_gate.wait()
                if self.current(generation):
                    self.kpi_extrapolated.value = headline.extrapolated(summary)
                return

    def close(self) -> None:
        """Stop background work and close the widgets."""
        self._next_generation()
        self._workers.stop()
        super().close()


def build_dashboard(
    api_url: str = DEFAULT_API_URL,
    token: str | None = None,
    poll_interval: float = 1.0,
    wait_for_page: bool | None = None,
) -> Dashboard:
    """Build the dashboard widget.

    Args:
        api_url: Base URL of the storemon API (``storemon serve``).
        token: The API's bearer token, when it needs one (``STOREMON_API_TOKEN``).
        poll_interval: Seconds between two status requests while a report runs.
        wait_for_page: Hold background updates until the page has created its widgets
            (:mod:`.page_gate`); by default only under `storemon serve`.

    Returns:
        The dashboard, an ``ipywidgets.VBox``: display it (the last value of a cell).
    """
    return Dashboard(
        api_url, token=token, poll_interval=poll_interval, wait_for_page=wait_for_page
    )
