"""Which report the dashboard shows, and following it until it is complete.

On open the newest complete report; a triggered one, followed to Complete; or any earlier one
picked from the recent reports (or its id pasted). A base of
:class:`~storemon.dashboard.app.Dashboard`, which shows a complete report
(:meth:`~storemon.dashboard.app.Dashboard.show_report`) and runs the background work.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable

import ipywidgets as widgets

from storemon.dashboard import messages
from storemon.dashboard.client import ApiClient, ApiError
from storemon.dashboard.controls import Controls
from storemon.dashboard.page_gate import PageGate
from storemon.jobs.records import ReportState, ReportView

RECENT = 20  # reports offered in the picker


class Following(Controls):
    """Open on the newest complete report; trigger, get and follow reports."""

    # Set by the dashboard.
    client: ApiClient
    poll_interval: float
    _state_lock: threading.Lock
    _generation: int
    _setting_recent: bool
    _progress_seen: float
    _in_background: Callable[..., None]
    page_gate: PageGate
    show_report: Callable[[ReportView, int], None]
    hide_report: Callable[[], None]

    # --- opening -----------------------------------------------------------------------------

    def open_latest(self, reports: list[ReportView] | None = None) -> None:
        """Show the newest complete report; without one, follow a running one or say so.

        Args:
            reports: The recent reports, newest first (default: asked from the API).
        """
        self.page_gate.wait()
        if reports is None:
            reports = self.refresh_recent()
        if reports is None:
            return  # the status line says why
        complete = [view for view in reports if view.status is ReportState.COMPLETE]
        running = [view for view in reports if view.status is ReportState.RUNNING]
        chosen = (complete or running or [None])[0]
        if chosen is None:
            self.status_message.value = messages.message(
                "running", "No complete report yet: trigger one."
            )
            return
        self._pick_quietly(chosen.report_id)
        self._follow(chosen.report_id, self._next_generation())

    # --- trigger -----------------------------------------------------------------------------

    def _on_trigger(self, _button: widgets.Button | None = None) -> None:
        """Trigger: queue a report with the chosen parameters, then follow it to Complete."""
        self.trigger_button.disabled = True
        self.status_message.value = "<i>Triggering…</i>"
        self._in_background(self._trigger, self.as_of.value, self.method.value)

    def _trigger(self, as_of: str, method: str) -> None:
        """Background part of Trigger."""
        try:
            report_id = self.client.trigger(as_of or None, method)
        except ApiError as error:
            self.status_message.value = messages.message(
                "error", f"Not triggered: {html.escape(str(error))}"
            )
            return
        finally:
            self.trigger_button.disabled = False
        self.refresh_recent()
        self._pick_quietly(report_id)
        self._follow(report_id, self._next_generation())

    # --- get ---------------------------------------------------------------------------------

    def _on_get(self, _button: widgets.Button | None = None) -> None:
        """Get: show the report whose id is typed, else the one picked in the list."""
        report_id = self.report_id.value.strip() or (self.recent.value or "")
        generation = self._next_generation()
        if not report_id:
            self.status_message.value = messages.message(
                "error", "Pick a report in the list, or paste a report id."
            )
            return
        self.status_message.value = "<i>Asking the API…</i>"
        self._in_background(self._follow, report_id, generation)

    def _on_recent_pick(self, change: dict) -> None:
        """A report was picked from the list: show it."""
        if self._setting_recent or not change["new"]:
            return
        self.report_id.value = ""
        self._on_get()

    def _pick_quietly(self, report_id: str) -> None:
        """Select ``report_id`` in the list (when there) without getting it again."""
        self._setting_recent = True
        try:
            if report_id in [value for _, value in self.recent.options]:
                self.recent.value = report_id
        finally:
            self._setting_recent = False

    # --- follow ------------------------------------------------------------------------------

    def _next_generation(self) -> int:
        """Start following another report: the earlier follower stops itself."""
        with self._state_lock:
            self._generation += 1
            return self._generation

    def current(self, generation: int) -> bool:
        """Whether a background task still serves the report the person asked for last."""
        with self._state_lock:
            return generation == self._generation

    def _follow(self, report_id: str, generation: int) -> None:
        """Poll a report until Complete or Failed, then show it."""
        self._progress_seen = 0.0
        while self.current(generation):
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
            if not self.current(generation):
                return
            if view.status is ReportState.RUNNING:
                self._show_running(view)
                time.sleep(self.poll_interval)
                continue
            self.progress.layout.display = "none"
            if view.status is ReportState.FAILED:
                self.hide_report()
                self.status_message.value = messages.failed(view)
            else:
                self.show_report(view, generation)
            self.refresh_recent()
            return

    def _show_running(self, view: ReportView) -> None:
        """Show a running report: ``Running, 1.2 s`` and its progress."""
        progress = view.progress
        if progress is not None:
            # The API's share of cells done can drop back while the outputs are written.
            progress = max(progress, self._progress_seen)
            self._progress_seen = progress
        self.progress.layout.display = None
        self.progress.value = float(progress or 0.0)
        self.progress.bar_style = "" if view.stage == "queued" else "info"
        self.status_message.value = messages.running(view, progress)

    # --- recent ------------------------------------------------------------------------------

    def refresh_recent(self) -> list[ReportView] | None:
        """Reload the list of recent reports from the API.

        Returns:
            The reports, newest first; None when the API refused or did not answer (the status
            line says why).
        """
        try:
            reports = self.client.recent(RECENT)
        except ApiError as error:
            self.status_message.value = messages.message("error", html.escape(str(error)))
            return None
        self.fill_recent(reports)
        return reports

    def fill_recent(self, reports: list[ReportView]) -> None:
        """Offer ``reports`` in the picker, keeping the one picked when it is still there."""
        options = [(messages.recent_label(view), view.report_id) for view in reports]
        self._setting_recent = True
        try:
            picked = self.recent.value
            self.recent.options = options
            ids = [value for _, value in options]
            self.recent.value = picked if picked in ids else None
        finally:
            self._setting_recent = False

    def _on_refresh(self, _button: widgets.Button | None = None) -> None:
        """↻: reload the recent reports, and the header's data freshness."""
        self._in_background(self.refresh_recent)
        self._in_background(self.refresh_data, shown_in=self.data_freshness)

    def refresh_data(self) -> None:
        """Show how fresh the server's data is in the header line (``GET /data``)."""
        try:
            line = messages.data_line(self.client.data())
        except ApiError as error:
            line = f"<p>{messages.message('error', html.escape(f'data: {error}'))}</p>"
        self.page_gate.wait()
        self.data_freshness.value = line
