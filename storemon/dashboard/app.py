"""The dashboard's widgets and callbacks (``notebooks/dashboard.ipynb`` shows them under Voilà).

The dashboard is a client of the HTTP API (:mod:`storemon.service.api`), like any other: it
triggers reports, polls their status and downloads their CSV over HTTP, so there is one job
queue, the server's. Only a store's timeline is computed here, from the data the reports read (the
server's configured source), as of the report's instant and with its method, so the timeline
matches the report's row.

Every slow step (polling a running report, loading a finished one, drawing a timeline) runs in a
background thread; callbacks only start it, so the page never freezes. Widgets are updated from
those threads, which ipywidgets allows (each update is one message to the page).
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from storemon.analysis import plots
from storemon.config import (
    DEFAULT_DB,
    METHODS,
    REPORT_COLUMNS,
    SOURCE_VARIABLE,
    TOKEN_VARIABLE,
)
from storemon.engine.timeline import TimelineReader, store_figures
from storemon.errors import StoremonError
from storemon.synthetic.demo import resolve_source

log = logging.getLogger(__name__)

DEFAULT_API_URL = "http://127.0.0.1:8000"
WORKER_THREADS = 4  # a report's poller, a timeline, a trigger and a list refresh at once
PAGE_SIZES = (("25 rows", 25), ("50 rows", 50), ("200 rows", 200), ("all rows", 0))
# Column labels of the store table, with the report's units.
TABLE_LABELS = {
    "store_id": "store",
    "uptime_last_hour": "uptime last hour (min)",
    "downtime_last_hour": "downtime last hour (min)",
    "uptime_last_day": "uptime last day (h)",
    "downtime_last_day": "downtime last day (h)",
    "uptime_last_week": "uptime last week (h)",
    "downtime_last_week": "downtime last week (h)",
    "uptime_share_last_week": "uptime share last week (%)",
}
TABLE_STYLE = """
<style>
.storemon-scroll { max-height: 460px; overflow: auto; border: 1px solid #ddd; }
.storemon-table { border-collapse: collapse; font-size: 12px; width: 100%; }
.storemon-table th { position: sticky; top: 0; background: #f3f3f3; text-align: right;
  padding: 3px 8px; border-bottom: 1px solid #ccc; }
.storemon-table td { text-align: right; padding: 2px 8px; font-variant-numeric: tabular-nums; }
.storemon-table th:first-child, .storemon-table td:first-child { text-align: left;
  font-family: monospace; }
.storemon-table tbody tr:nth-child(even) { background: #fafafa; }
</style>
"""


class _Workers:
    """A few long-lived daemon threads that run the dashboard's background tasks.

    Long-lived on purpose: ipykernel sends a thread's widget updates through a socket of that
    thread, which is closed (and its last updates can be dropped) once the thread ends, so
    a thread per task loses updates. These threads live as long as the dashboard.

    Args:
        size: How many tasks may run at once (a running report's poller holds one).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._tasks: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, task: Callable[[], None]) -> None:
        """Queue ``task``; start a thread when all are busy and fewer than ``size`` run."""
        with self._idle:
            self._pending += 1
            busy = self._pending > len(self._threads)
            if busy and len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"storemon-dashboard-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        self._tasks.put(task)

    def _work(self) -> None:
        """Run tasks until a stop sentinel arrives."""
        while True:
            task = self._tasks.get()
            if task is None:
                return
            try:
                task()
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no task is queued or running; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def stop(self) -> None:
        """Let every thread end after its current task."""
        with self._idle:
            threads = len(self._threads)
        for _ in range(threads):
            self._tasks.put(None)


class ApiError(StoremonError):
    """The API refused a request or did not answer; the message says why in plain words.

    Args:
        message: The sentence to show.
        status: The HTTP status code, None when the API did not answer.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ApiClient:
    """A small client of the storemon HTTP API (standard library only).

    Args:
        api_url: Base URL of the API, e.g. ``http://127.0.0.1:8000``.
        token: Bearer token, when the API needs one.
        timeout: Seconds to wait for an answer.
    """

    def __init__(self, api_url: str, token: str | None = None, timeout: float = 15.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token or None
        self.timeout = timeout

    def _request(
        self,
        method: str,
        url: str,
        body: dict | None = None,
        accept: str = "application/json",
    ) -> tuple[int, bytes]:
        """Send one request; return the status and body, or raise :class:`ApiError`."""
        headers = {"Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            raise ApiError(_detail(error), error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ApiError(
                f"the API at {self.api_url} does not answer ({reason}): is `storemon serve` "
                "running?"
            ) from None

    def _json(self, method: str, path: str, body: dict | None = None) -> dict:
        """Send a request to ``path`` and decode its JSON answer."""
        _, content = self._request(method, f"{self.api_url}{path}", body)
        return json.loads(content)

    def trigger(self, as_of: str | None = None, method: str = "nearest") -> str:
        """Queue a report.

        Args:
            as_of: Report as of this ISO instant; None or empty for the latest poll.
            method: ``nearest`` or ``carry_forward``.

        Returns:
            The new report id.

        Raises:
            ApiError: The API refused (bad parameter, queue full) or did not answer.
        """
        body: dict[str, str] = {"method": method}
        if as_of and as_of.strip():
            body["as_of"] = as_of.strip()
        return str(self._json("POST", "/trigger_report", body)["report_id"])

    def status(self, report_id: str) -> dict:
        """A report's record (JSON, also when it is complete).

        Args:
            report_id: The report id.

        Returns:
            The record: ``status`` is Running, Complete or Failed.

        Raises:
            ApiError: Unknown (404) or malformed (400) id, or no answer.
        """
        query = urllib.parse.urlencode({"report_id": report_id})
        return self._json("GET", f"/get_report?{query}")

    def download(self, url: str) -> bytes:
        """Fetch a report file, e.g. the ``csv_url`` of a complete report.

        Args:
            url: Absolute URL, or a path on the API.

        Returns:
            The file's bytes.

        Raises:
            ApiError: The API refused or did not answer.
        """
        if url.startswith("/"):
            url = f"{self.api_url}{url}"
        return self._request("GET", url, accept="*/*")[1]

    def recent(self, limit: int = 20) -> list[dict]:
        """The most recent reports, newest first.

        Args:
            limit: How many at most.

        Returns:
            Their records.

        Raises:
            ApiError: The API refused or did not answer.
        """
        return list(self._json("GET", f"/reports?limit={int(limit)}")["reports"])


def _detail(error: urllib.error.HTTPError) -> str:
    """The plain-words ``detail`` of an API error answer (the status line when there is none)."""
    try:
        detail = json.loads(error.read()).get("detail")
    except (ValueError, AttributeError, OSError):
        detail = None
    if error.code == 401:
        return f"the API needs a token: set {TOKEN_VARIABLE} for the dashboard too"
    return str(detail) if detail else f"the API answered {error.code} {error.reason}"


def _parse_instant(text: str | None) -> datetime | None:
    """An ISO instant of the API as an aware datetime."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _duration(seconds: float) -> str:
    """Seconds as a short text: ``8 s``, ``2 min 5 s``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60} s"


def elapsed_seconds(status: dict, now: datetime | None = None) -> float:
    """How long a report ran: created to finished, or to ``now`` while it runs.

    Args:
        status: The report's record from the API.
        now: The current instant (default the clock).

    Returns:
        Seconds.
    """
    created = _parse_instant(status.get("created"))
    end = _parse_instant(status.get("finished")) or now or datetime.now(timezone.utc)
    return 0.0 if created is None else (end - created).total_seconds()


def read_report_csv(content: bytes) -> pd.DataFrame:
    """Read a report CSV (store ids stay strings).

    Args:
        content: The CSV's bytes.

    Returns:
        One row per store, with the report's columns.
    """
    return pd.read_csv(BytesIO(content), dtype={"store_id": str})


def store_table(
    report: pd.DataFrame,
    filter_text: str = "",
    sort_by: str = "store_id",
    descending: bool = False,
) -> pd.DataFrame:
    """The store table: the report plus each store's uptime share, filtered and sorted.

    Args:
        report: A report (one row per store).
        filter_text: Keep the stores whose id contains this text (any case); empty keeps all.
        sort_by: A column of the table.
        descending: Sort largest first.

    Returns:
        One row per kept store, the report's columns and ``uptime_share_last_week`` (percent,
        empty for a store without business time last week).
    """
    table = report[REPORT_COLUMNS].copy()
    business = table["uptime_last_week"] + table["downtime_last_week"]
    table["uptime_share_last_week"] = (
        100 * table["uptime_last_week"] / business.where(business > 0)
    ).round(1)
    needle = filter_text.strip().lower()
    if needle:
        table = table[table["store_id"].str.lower().str.contains(needle, regex=False)]
    # Ties are broken by store id so that pages are stable.
    order = [sort_by, "store_id"] if sort_by != "store_id" else ["store_id"]
    ascending = [not descending, True] if sort_by != "store_id" else [not descending]
    return table.sort_values(order, ascending=ascending, na_position="last").reset_index(drop=True)


def table_html(table: pd.DataFrame) -> str:
    """Render (a page of) the store table as an HTML table (escaped, no script).

    Args:
        table: Rows of :func:`store_table`.

    Returns:
        HTML with a ``storemon-table`` table, one ``tbody`` row per store.
    """
    shown = table.rename(columns=TABLE_LABELS)
    body = shown.to_html(
        index=False,
        escape=True,
        na_rep="",
        float_format="{:.2f}".format,
        border=0,
        classes="storemon-table",
    )
    return f'{TABLE_STYLE}<div class="storemon-scroll">{body}</div>'


def _png_image(width: str = "100%") -> widgets.Image:
    """An empty PNG image widget that keeps the picture's proportions."""
    return widgets.Image(
        format="png", layout=widgets.Layout(width=width, height="auto", object_fit="contain")
    )


class Dashboard(widgets.VBox):
    """Trigger reports, watch them run, and read a complete one as a table and pictures.

    Build it with :func:`build_dashboard`. Widgets a person (or a test) uses:
    ``as_of``, ``method``, ``trigger_button`` → ``trigger_message``, ``new_id``;
    ``report_id``, ``get_button`` → ``status_message``, ``progress``; for a complete report
    ``summary`` (download links), ``histogram``, ``top_chart``, the table (``filter_text``,
    ``sort_by``, ``descending``, ``page_size``, ``previous_page``, ``next_page``, ``page_label``,
    ``table``) and a store's week (``store_pick``, ``store_text`` → ``timeline_message``,
    ``timeline_image``); ``recent`` lists recent reports (picking one gets it). Every one also
    carries a CSS class ``storemon-<name>`` for style sheets and browser tests.

    Args:
        api_url: Base URL of the storemon API.
        token: The API's bearer token, when it needs one.
        source: The data the server's reports read, for store timelines (default: the
            ``STOREMON_SOURCE`` environment variable, else the default database, with the
            same demo-data fallback as the reports).
        poll_interval: Seconds between two status requests while a report runs.
    """

    def __init__(
        self,
        api_url: str,
        token: str | None = None,
        source: str | Path | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self.client = ApiClient(api_url, token)
        self.source = source or os.environ.get(SOURCE_VARIABLE) or DEFAULT_DB
        self.poll_interval = poll_interval
        self.report: pd.DataFrame | None = None
        self.report_status: dict | None = None
        self._generation = 0  # bumped by every Get: a stale poller stops itself
        self._state_lock = threading.Lock()
        self._reader: TimelineReader | None = None
        self._reader_key: tuple | None = None
        self._reader_lock = threading.Lock()
        self._workers = _Workers(WORKER_THREADS)
        self._page = 0
        self._progress_seen = 0.0
        self._setting_stores = False
        self._setting_recent = False

        wide = widgets.Layout(width="auto")
        # Trigger
        self.as_of = widgets.Text(
            description="as of",
            placeholder="latest poll, or e.g. 2024-11-05T12:00:00Z",
            layout=widgets.Layout(width="340px"),
        )
        self.method = widgets.Dropdown(
            options=list(METHODS),
            value="nearest",
            description="method",
            layout=widgets.Layout(width="230px"),
        )
        self.trigger_button = widgets.Button(
            description="Trigger report", button_style="primary", tooltip="queue a new report"
        )
        self.trigger_message = widgets.HTML()
        self.new_id = widgets.Text(
            description="new report id",
            placeholder="(trigger a report)",
            layout=widgets.Layout(width="480px"),
            style={"description_width": "initial"},
        )
        # Get
        self.report_id = widgets.Text(
            description="report id",
            placeholder="paste a report id",
            layout=widgets.Layout(width="480px"),
        )
        self.get_button = widgets.Button(description="Get report", button_style="info")
        self.status_message = widgets.HTML()
        self.progress = widgets.FloatProgress(
            value=0.0, min=0.0, max=1.0, description="", layout=widgets.Layout(display="none")
        )
        # Results
        self.summary = widgets.HTML()
        self.histogram = _png_image()
        self.top_chart = _png_image()
        self.filter_text = widgets.Text(
            description="filter",
            placeholder="store id contains…",
            continuous_update=True,
            layout=widgets.Layout(width="260px"),
        )
        self.sort_by = widgets.Dropdown(
            options=[(label, column) for column, label in TABLE_LABELS.items()],
            value="downtime_last_week",
            description="sort by",
            layout=widgets.Layout(width="330px"),
        )
        self.descending = widgets.Checkbox(value=True, description="largest first", indent=False)
        self.page_size = widgets.Dropdown(
            options=list(PAGE_SIZES), value=50, layout=widgets.Layout(width="110px")
        )
        self.previous_page = widgets.Button(description="◀", layout=widgets.Layout(width="40px"))
        self.next_page = widgets.Button(description="▶", layout=widgets.Layout(width="40px"))
        self.page_label = widgets.HTML()
        self.table = widgets.HTML()
        self.store_pick = widgets.Dropdown(
            description="store",
            options=[],
            layout=widgets.Layout(width="380px"),
        )
        self.store_text = widgets.Text(
            description="or type",
            placeholder="a store id",
            continuous_update=False,
            layout=widgets.Layout(width="330px"),
        )
        self.timeline_message = widgets.HTML()
        self.timeline_image = _png_image()
        self.results = widgets.VBox(
            [
                self.summary,
                widgets.HTML("<h3>The fleet</h3>"),
                widgets.HBox(
                    [
                        widgets.Box([self.histogram], layout=widgets.Layout(width="50%")),
                        widgets.Box([self.top_chart], layout=widgets.Layout(width="50%")),
                    ],
                    # Each chart keeps its own height instead of stretching to the taller one.
                    layout=widgets.Layout(align_items="flex-start"),
                ),
                widgets.HTML("<h3>Stores</h3>"),
                widgets.HBox([self.filter_text, self.sort_by, self.descending]),
                widgets.HBox(
                    [self.page_size, self.previous_page, self.page_label, self.next_page]
                ),
                self.table,
                widgets.HTML(
                    "<h3>A store's week</h3>Pick a store of the table above, or type any id: "
                    "business hours are shaded, each poll is a dot (filled: used, hollow: "
                    "outside business hours, ignored), and the status bar is what the report "
                    "counts."
                ),
                widgets.HBox([self.store_pick, self.store_text]),
                self.timeline_message,
                self.timeline_image,
            ],
            layout=widgets.Layout(display="none"),
        )
        # Recent
        self.recent = widgets.Select(options=[], rows=6, layout=widgets.Layout(width="100%"))
        self.refresh_button = widgets.Button(description="Refresh list")
        self.recent_message = widgets.HTML()

        self.trigger_button.on_click(self._on_trigger)
        self.get_button.on_click(self._on_get)
        for control in (self.filter_text, self.sort_by, self.descending, self.page_size):
            control.observe(self._on_table_change, names="value")
        self.previous_page.on_click(lambda _: self._turn_page(-1))
        self.next_page.on_click(lambda _: self._turn_page(1))
        self.store_pick.observe(self._on_store_pick, names="value")
        self.store_text.observe(self._on_store_text, names="value")
        self.recent.observe(self._on_recent_pick, names="value")
        self.refresh_button.on_click(
            lambda _: self._in_background(self.refresh_recent, shown_in=self.recent_message)
        )

        super().__init__(
            [
                widgets.HTML(
                    "<p>Reports are computed by the storemon API at "
                    f"<code>{html.escape(self.client.api_url)}</code>.</p>"
                ),
                widgets.HTML("<h3>Trigger a report</h3>"),
                widgets.HBox([self.as_of, self.method, self.trigger_button]),
                self.trigger_message,
                self.new_id,
                widgets.HTML("<h3>Get a report</h3>"),
                widgets.HBox([self.report_id, self.get_button]),
                widgets.HBox([self.status_message, self.progress]),
                self.results,
                widgets.HTML("<h3>Recent reports</h3>"),
                widgets.HBox([self.refresh_button, self.recent_message]),
                self.recent,
            ],
            layout=wide,
        )
        self.add_class("storemon-dashboard")
        # Stable handles for people's style sheets and for the browser tests.
        for name, widget in (
            ("as-of", self.as_of),
            ("method", self.method),
            ("trigger", self.trigger_button),
            ("trigger-message", self.trigger_message),
            ("new-id", self.new_id),
            ("report-id", self.report_id),
            ("get", self.get_button),
            ("status", self.status_message),
            ("progress", self.progress),
            ("summary", self.summary),
            ("histogram", self.histogram),
            ("top-chart", self.top_chart),
            ("filter", self.filter_text),
            ("sort-by", self.sort_by),
            ("page-size", self.page_size),
            ("page-label", self.page_label),
            ("table-box", self.table),
            ("store-pick", self.store_pick),
            ("store-text", self.store_text),
            ("timeline-message", self.timeline_message),
            ("timeline", self.timeline_image),
            ("recent", self.recent),
        ):
            widget.add_class(f"storemon-{name}")
        self.refresh_recent()

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
                (shown_in or self.status_message).value = _message(
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
            self.trigger_message.value = _message("error", f"Not triggered: {error}")
            return
        finally:
            self.trigger_button.disabled = False
        self.new_id.value = report_id
        self.report_id.value = report_id
        when = "the latest poll" if not as_of.strip() else html.escape(as_of.strip())
        self.trigger_message.value = _message(
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
            self.status_message.value = _message(
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
                status = self.client.status(report_id)
            except ApiError as error:
                if error.status == 404:
                    text = f"There is no report with id {html.escape(report_id)}."
                else:
                    text = html.escape(str(error))
                self.status_message.value = _message("error", text)
                self.progress.layout.display = "none"
                return
            if not self._current(generation):
                return
            state = status.get("status")
            if state == "Running":
                self._show_running(status)
                time.sleep(self.poll_interval)
                continue
            self.progress.layout.display = "none"
            if state == "Failed":
                self.status_message.value = _message(
                    "error",
                    f"Failed after {_duration(elapsed_seconds(status))}: "
                    f"{html.escape(str(status.get('error') or 'no reason was recorded'))}",
                )
            else:
                self._show_complete(status, generation)
            self.refresh_recent()
            return

    def _show_running(self, status: dict) -> None:
        """Show a running report: its stage, elapsed time and progress."""
        waiting = status.get("stage") == "queued"
        stage = "waiting to start" if waiting else "running"
        progress = status.get("progress")
        if progress is not None:
            # The API's share of cells done can drop back while the outputs are written.
            progress = max(float(progress), self._progress_seen)
            self._progress_seen = progress
        self.progress.layout.display = None
        self.progress.value = float(progress or 0.0)
        self.progress.bar_style = "" if waiting else "info"
        done = "" if progress is None else f", {100 * float(progress):.0f} % of the notebook done"
        self.status_message.value = _message(
            "running",
            f"Running ({stage}) for {_duration(elapsed_seconds(status))}{done}. "
            "This refreshes by itself.",
        )

    def _show_complete(self, status: dict, generation: int) -> None:
        """Load a complete report's CSV and show the table, the charts and a timeline."""
        self.status_message.value = _message(
            "ok", f"Complete in {_duration(elapsed_seconds(status))}; loading it…"
        )
        try:
            content = self.client.download(status["csv_url"])
            report = read_report_csv(content)
        except (ApiError, ValueError, KeyError) as error:
            self.status_message.value = _message("error", f"Complete, but not readable: {error}")
            return
        if not self._current(generation):
            return
        self.report, self.report_status = report, status
        link = self._csv_link(status, content)
        demo = " (demo data)" if status.get("demo_data") else ""
        self.status_message.value = _message(
            "ok",
            f"Complete: {len(report):,} stores as of {_shown_instant(status.get('now'))}, "
            f"method {html.escape(str(status.get('method')))}{demo}, computed in "
            f"{_duration(elapsed_seconds(status))}.",
        )
        self.summary.value = link
        self.histogram.value = plots.figure_png(plots.uptime_histogram(report))
        self.top_chart.value = plots.figure_png(plots.top_downtime_chart(report, 20))
        self._page = 0
        self._render_table()
        self.results.layout.display = None
        # Start with the week of the table's first store (most downtime by default).
        first = self.store_pick.options[1][1] if len(self.store_pick.options) > 1 else ""
        if first:
            self.store_pick.value = first

    def _csv_link(self, status: dict, content: bytes) -> str:
        """The download links of a complete report.

        Without a token the browser fetches the files from the API itself; with one it could
        not send the token, so the CSV already fetched is offered as a data URL instead.
        The API's links open in a new tab: following a link in the dashboard's own tab unloads
        the page, and Voilà then drops the page's connection to its kernel, although the
        download leaves the page on screen (dead).
        """
        name = f"report-{status['report_id']}.csv"
        if self.client.token:
            href = "data:text/csv;base64," + base64.b64encode(content).decode()
            target = ""
            extra = ""
        else:
            href = html.escape(status["csv_url"])
            target = ' target="_blank" rel="noopener"'
            extra = (
                f' · <a class="storemon-html" href="{html.escape(status["html_url"])}" '
                'target="_blank">the report notebook (HTML)</a>'
                if status.get("html_url")
                else ""
            )
        return (
            f'<p><a class="storemon-csv" href="{href}" download="{html.escape(name)}"{target}>'
            f"⬇ Download the CSV ({len(content):,} bytes)</a>{extra}</p>"
        )

    def _hide_results(self) -> None:
        """Hide the previous report's results while another one is fetched."""
        self.results.layout.display = "none"
        self.progress.layout.display = "none"
        self.report, self.report_status = None, None
        self._offer_stores([])
        self.timeline_image.value = b""
        self.timeline_message.value = ""

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
            Rows of :func:`store_table`; empty before a report is complete.
        """
        if self.report is None:
            return store_table(pd.DataFrame(columns=REPORT_COLUMNS))
        return store_table(
            self.report, self.filter_text.value, self.sort_by.value, self.descending.value
        )

    def _render_table(self) -> None:
        """Show the current page of the table and offer its stores in the store picker."""
        rows = self.table_rows()
        size = self.page_size.value or max(len(rows), 1)
        pages = max(1, -(-len(rows) // size))
        self._page = min(max(self._page, 0), pages - 1)
        page = rows.iloc[self._page * size : (self._page + 1) * size]
        self.table.value = table_html(page)
        total = 0 if self.report is None else len(self.report)
        filtered = "" if len(rows) == total else f" (filtered from {total:,})"
        first = self._page * size + 1 if len(rows) else 0
        self.page_label.value = (
            f"&nbsp;rows {first:,}–{self._page * size + len(page):,} of {len(rows):,}{filtered}"
            f", page {self._page + 1} of {pages}&nbsp;"
        )
        self.previous_page.disabled = self._page == 0
        self.next_page.disabled = self._page >= pages - 1
        self._offer_stores(list(page["store_id"]))

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
        status = self.report_status
        if status is None:
            self.timeline_message.value = _message("error", "Get a complete report first.")
            return
        self.timeline_message.value = f"<i>Drawing the week of store {html.escape(store_id)}…</i>"
        self._in_background(self._draw_store, store_id, status, shown_in=self.timeline_message)

    def _timeline_reader(self, status: dict) -> TimelineReader:
        """The timeline reader of a report (one per report; the previous one is closed)."""
        key = (status["report_id"], status.get("now"), status.get("method"))
        with self._reader_lock:
            if self._reader_key != key:
                if self._reader is not None:
                    self._reader.close()
                    self._reader = None
                path, _ = resolve_source(self.source)
                self._reader = TimelineReader(path, as_of=status["now"], method=status["method"])
                self._reader_key = key
            return self._reader

    def _draw_store(self, store_id: str, status: dict) -> None:
        """Background part of :meth:`show_store`."""
        try:
            timeline = self._timeline_reader(status).timeline(store_id)
        except StoremonError as error:
            self.timeline_message.value = _message("error", html.escape(str(error)))
            self.timeline_image.value = b""
            return
        if self.report_status is not status:
            return  # another report was fetched meanwhile
        figures = store_figures(timeline)
        row = None
        if self.report is not None:
            match = self.report[self.report["store_id"] == timeline.store_id]
            row = None if match.empty else match.iloc[0]
        reported = (
            ""
            if row is None
            else f" The report says {row['uptime_last_week']:.2f} h up and "
            f"{row['downtime_last_week']:.2f} h down last week."
        )
        self.timeline_image.value = plots.figure_png(plots.timeline_plot(timeline))
        self.timeline_message.value = (
            f"<b>Store {html.escape(timeline.store_id)}</b> ({html.escape(timeline.zone)}): "
            f"{figures['business_last_week']:.2f} business hours in the week, "
            f"{figures['uptime_last_week']:.2f} h active and "
            f"{figures['downtime_last_week']:.2f} h inactive.{reported}"
        )

    # --- recent ------------------------------------------------------------------------------

    def refresh_recent(self) -> None:
        """Reload the list of recent reports from the API."""
        try:
            reports = self.client.recent(20)
        except ApiError as error:
            self.recent_message.value = _message("error", html.escape(str(error)))
            return
        options = [(_recent_label(report), report["report_id"]) for report in reports]
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
        """Stop background work and close the widgets and the timeline reader."""
        with self._state_lock:
            self._generation += 1
        self._workers.stop()
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        super().close()


def _shown_instant(text: str | None) -> str:
    """An ISO instant of the API as people read it: ``2024-11-05 23:56:47 UTC``."""
    instant = _parse_instant(text)
    return "?" if instant is None else instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def _recent_label(report: dict) -> str:
    """One line of the recent list: created, status, parameters, id."""
    when = _shown_instant(report.get("created"))
    as_of = report.get("as_of") or "latest poll"
    return (
        f"{when} · {report.get('status')} · {report.get('method')} · as of {as_of} · "
        f"{report.get('report_id')}"
    )


def _message(kind: str, text: str) -> str:
    """A status line: ``kind`` is ok, error or running (colour); ``text`` is HTML already."""
    colors = {"ok": "#2e7d32", "error": "#c62828", "running": "#1565c0"}
    return (
        f'<span class="storemon-{kind}" style="color: {colors.get(kind, "inherit")}">{text}</span>'
    )


def build_dashboard(
    api_url: str = DEFAULT_API_URL,
    token: str | None = None,
    source: str | Path | None = None,
    poll_interval: float = 1.0,
) -> Dashboard:
    """Build the dashboard widget.

    Args:
        api_url: Base URL of the storemon API (``storemon serve``).
        token: The API's bearer token, when it needs one (``STOREMON_API_TOKEN``).
        source: The data the server's reports read, for store timelines (default
            ``STOREMON_SOURCE``, else the default database or, without it, the demo data).
        poll_interval: Seconds between two status requests while a report runs.

    Returns:
        The dashboard, an ``ipywidgets.VBox``: display it (the last value of a cell).
    """
    return Dashboard(api_url, token=token, source=source, poll_interval=poll_interval)
