"""The lines the dashboard shows about a report: its status, times and download links (HTML).

Status words come from :class:`~storemon.jobs.records.ReportState` only.
"""

from __future__ import annotations

import base64
import html
from datetime import datetime, timezone

from storemon.freshness import Freshness, age_text
from storemon.freshness import shown as shown_utc
from storemon.jobs.records import ReportState, ReportView, parse_utc

COLORS = {"ok": "#2e7d32", "error": "#c62828", "running": "#1565c0", "warning": "#e65100"}
# A report whose data was older than this when it ran says so.
STALE_SECONDS = 2 * 3600


def message(kind: str, text: str) -> str:
    """A status line.

    Args:
        kind: ``ok``, ``error`` or ``running`` (its colour and its ``storemon-<kind>`` class).
        text: The line, HTML already.

    Returns:
        The line as an HTML span.
    """
    return (
        f'<span class="storemon-{kind}" style="color: {COLORS.get(kind, "inherit")}">{text}</span>'
    )


def duration(seconds: float) -> str:
    """Seconds as a short text: ``1.2 s``, ``48 s``, ``2 min 5 s``."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{round(seconds)} s"
    whole = int(round(seconds))
    return f"{whole // 60} min {whole % 60} s"


def elapsed_seconds(view: ReportView, now: datetime | None = None) -> float:
    """How long a report ran: created to finished, or to ``now`` while it runs.

    Args:
        view: The report's record from the API.
        now: The current instant (default the clock).

    Returns:
        Seconds.
    """
    created = parse_utc(view.created)
    end = parse_utc(view.finished) or now or datetime.now(timezone.utc)
    return 0.0 if created is None else (end - created).total_seconds()


def shown_instant(text: str | None) -> str:
    """An ISO instant of the API as people read it: ``2024-11-05 23:56:47 UTC``."""
    instant = parse_utc(text)
    return "?" if instant is None else instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def recent_label(view: ReportView) -> str:
    """One line of the report picker: when, the parameters, the status; the id last, short."""
    when = shown_instant(view.created)[:16] + " UTC"
    as_of = "latest poll" if not view.as_of else shown_instant(view.as_of)[:16]
    return f"{when} · as of {as_of} · {view.method} · {view.status.value} · {view.report_id[:8]}"


def running(view: ReportView, progress: float | None) -> str:
    """The line of a running report: ``Running, 1.2 s`` (and whether it waits to start).

    Args:
        view: The record.
        progress: Share of the notebook done, None when unknown (the progress bar shows it).

    Returns:
        A ``running`` status line.
    """
    waiting = " (waiting for a free runner)" if view.stage == "queued" else ""
    return message(
        "running",
        f"{ReportState.RUNNING.value}, {duration(elapsed_seconds(view))}{waiting}",
    )


def failed(view: ReportView) -> str:
    """The line of a failed report: how long it ran and why it failed."""
    reason = view.error or "no reason was recorded"
    return message(
        "error",
        f"{ReportState.FAILED.value} after {duration(elapsed_seconds(view))}: "
        f"{html.escape(reason)}",
    )


def loading(view: ReportView) -> str:
    """The line while a complete report's CSV is fetched."""
    return message(
        "ok", f"{ReportState.COMPLETE.value} in {duration(elapsed_seconds(view))}; loading it…"
    )


def unreadable(error: Exception) -> str:
    """The line of a complete report whose CSV could not be read."""
    return message("error", f"{ReportState.COMPLETE.value}, but not readable: {error}")


def complete(view: ReportView, stores: int) -> str:
    """The line of a complete report: ``Complete``, its stores and the time it took.

    Args:
        view: The record.
        stores: Stores in the report's CSV.

    Returns:
        An ``ok`` status line.
    """
    return message(
        "ok",
        f"{ReportState.COMPLETE.value} · {stores:,} stores, computed in "
        f"{duration(elapsed_seconds(view))}",
    )


def data_line(freshness: Freshness, now: datetime | None = None) -> str:
    """The header line: "data up to <latest poll> (<age> ago), last ingest <time>".

    Args:
        freshness: The server's data, from ``GET /data``.
        now: The instant ages are measured at (default the clock).

    Returns:
        A paragraph (HTML); orange when the latest poll is over 2 hours old.
    """
    if not freshness.ingested:
        text = "data: a folder of CSV exports, not ingested (read whole by each report)"
        return f'<p class="storemon-data-line">{text}</p>'
    if freshness.latest_poll is None:
        return '<p class="storemon-data-line">data: the database holds no poll yet</p>'
    age = freshness.age_seconds(now)
    ingest = (
        "no ingest recorded"
        if freshness.last_ingest is None
        else f"last ingest {shown_utc(freshness.last_ingest)}"
    )
    text = (
        f"data up to {shown_utc(freshness.latest_poll)} ({age_text(age)} ago), {ingest}; "
        f"{freshness.stores:,} stores, polls held from {shown_utc(freshness.oldest_poll)}"
    )
    kind = "warning" if age is not None and age > STALE_SECONDS else "ok"
    return f'<p class="storemon-data-line">{message(kind, text)}</p>'


def download_links(view: ReportView, content: bytes, inline: bool) -> str:
    """The download links of a complete report.

    The API's links open in a new tab: following a link in the dashboard's own tab unloads
    the page, and Voilà then drops the page's connection to its kernel, although the download
    leaves the page on screen (dead).

    Args:
        view: The record, with its ``csv_url`` (and ``html_url``).
        content: The CSV already fetched.
        inline: Offer the CSV as a data URL: the API needs a token, which the browser could not
            send with a plain link.

    Returns:
        A paragraph of links (HTML).
    """
    name = f"report-{view.report_id}.csv"
    if inline:
        href = "data:text/csv;base64," + base64.b64encode(content).decode()
        target = ""
        extra = ""
    else:
        href = html.escape(view.csv_url or "")
        target = ' target="_blank" rel="noopener"'
        extra = (
            f' · <a class="storemon-html" href="{html.escape(view.html_url)}" '
            'target="_blank">the report notebook (HTML)</a>'
            if view.html_url
            else ""
        )
    return (
        f'<p><a class="storemon-csv" href="{href}" download="{html.escape(name)}"{target}>'
        f"⬇ Download the CSV ({len(content):,} bytes)</a>{extra}</p>"
    )
