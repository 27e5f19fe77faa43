"""What a person waits for in the dashboard, measured in headless Chromium on real servers.

One API (``storemon serve``'s, in a subprocess) over a database, one complete report in it,
Voilà on the dashboard notebook, and Playwright driving Debian's Chromium, all on 127.0.0.1:

- page weight: the bytes of every response of a first visit (empty cache), and how many;
- open -> headline: from the navigation's start until the headline's fleet uptime shows a
  number (``.storemon-kpi-fleet-uptime``), on a first visit and on reloads (median);
- open -> table and charts: until the store table holds rows and the charts are drawn;
- Complete -> table and charts: a report triggered from the page, from the moment the page
  says Complete until its table and charts are there.

Called by ``bench/benchmark.py --dashboard``; each figure is the median of ``repeat`` runs.
"""

from __future__ import annotations

import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = ".storemon-kpi-fleet-uptime"
HEADLINE_READY = (
    "() => { const e = document.querySelector('.storemon-kpi-fleet-uptime');"
    " return e && /[0-9]/.test(e.innerText); }"
)
TABLE_READY = (
    "() => document.querySelectorAll('.storemon-table-box tbody tr').length > 0"
    " && [...document.querySelectorAll('img.storemon-top-chart, img.storemon-histogram')]"
    ".every(i => i.complete && i.naturalWidth > 0)"
)
SERVE = (
    "import sys; from storemon.service.serve import serve; "
    "serve(port=int(sys.argv[1]), source=sys.argv[2], reports_dir=sys.argv[3], "
    "log_level='warning')"
)
WAIT_MS = 300_000


def _api(database: str, reports_dir: Path, port: int) -> subprocess.Popen:
    """Start the API on ``port`` in a subprocess."""
    return subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port), database, str(reports_dir)], cwd=ROOT
    )


def _complete_report(api_url: str) -> str:
    """Trigger a report and wait until it is Complete with its HTML; return its id."""
    import httpx

    sys.path.insert(0, str(ROOT / "tests"))
    from live_servers import wait_for

    with httpx.Client(base_url=api_url, timeout=30) as client:

        def up() -> bool:
            try:
                return client.get("/reports").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, 120, "the API server")
        report_id = client.post("/trigger_report").json()["report_id"]

        def done() -> bool:
            body = client.get(
                "/get_report",
                params={"report_id": report_id},
                headers={"Accept": "application/json"},
            ).json()
            if body["status"] == "Failed":
                raise SystemExit(f"report failed: {body}")
            return body["status"] == "Complete" and body.get("html_ready", False)

        wait_for(done, 600, "the report", every=0.5)
    return report_id


def _visit(browser, url: str, cache: bool, files: list | None = None) -> dict[str, float]:
    """Open the page once; seconds to the headline and to the table and charts, and bytes.

    ``files``, when given, receives the (URL, bytes) of each response of the timed visit.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    responses: list = []  # finished requests (a websocket's upgrade never finishes)
    page.on("requestfinished", lambda request: responses.append(request))
    if cache:  # a reload: the page was visited before in this context
        page.goto(url, timeout=WAIT_MS)
        page.wait_for_function(HEADLINE_READY, timeout=WAIT_MS)
        responses.clear()
    started = time.perf_counter()
    page.goto(url, timeout=WAIT_MS, wait_until="commit")
    page.wait_for_function(HEADLINE_READY, timeout=WAIT_MS, polling=50)
    headline = time.perf_counter() - started
    page.wait_for_function(TABLE_READY, timeout=WAIT_MS, polling=50)
    table = time.perf_counter() - started
    sizes = [(request.url, max(0, request.sizes()["responseBodySize"])) for request in responses]
    size = sum(n for _, n in sizes)
    if files is not None:
        files.extend(sizes)
    _close(page, context)
    figures = {"headline": headline, "table": table, "bytes": size, "requests": len(responses)}
    print(f"  visit (cache {cache}): {figures}", file=sys.stderr)
    return figures


def _after_trigger(browser, url: str) -> float:
    """Trigger a report from the page; seconds from "Complete" shown to table and charts.

    The page says Complete and names the new report's id at once; its CSV link comes last,
    once the rankings and the table are drawn.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(url, timeout=WAIT_MS)
    page.wait_for_function(TABLE_READY, timeout=WAIT_MS)
    shown = page.locator(".storemon-report-line").inner_text()
    page.locator(".storemon-trigger").click()
    page.wait_for_function(
        "old => { const line = document.querySelector('.storemon-report-line');"
        " const status = document.querySelector('.storemon-status');"
        " return line.innerText !== old && status.innerText.includes('Complete'); }",
        arg=shown,
        timeout=WAIT_MS,
        polling=50,
    )
    complete = time.perf_counter()
    report_id = page.locator(".storemon-report-line").inner_text().split("id ")[-1].strip()
    page.wait_for_function(
        f"() => !!document.querySelector('a.storemon-csv[download*=\"{report_id}\"]')",
        timeout=WAIT_MS,
        polling=50,
    )
    seconds = time.perf_counter() - complete
    _close(page, context)
    print(f"  Complete -> table and charts: {seconds:.2f} s", file=sys.stderr)
    return seconds


def _close(page, context) -> None:
    """Leave the page as a person does (Voilà then shuts its kernel down), then the context."""
    page.close(run_before_unload=True)
    context.close()


def measure(database: str, work: Path, repeat: int = 5, trigger: bool = True) -> dict:
    """Serve ``database`` and measure the dashboard in Chromium.

    Args:
        database: An ingested database.
        work: A scratch folder (reports and logs go there).
        repeat: Visits of each kind timed (medians).
        trigger: Also time Complete -> table and charts of a report triggered from the page.

    Returns:
        The figures (seconds, bytes).
    """
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from browser_kit import CHROMIUM, CHROMIUM_ARGS
    from live_servers import free_port

    from storemon.service.voila import KernelLimits, start_dashboard, stop_dashboard

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    port = free_port()
    api = _api(database, work / "reports", port)
    api_url = f"http://127.0.0.1:{port}"
    voila = None
    try:
        _complete_report(api_url)
        dashboard_port = free_port()
        with open(work / "voila.log", "wb") as log:
            # no cap on kernels: each visit's page is closed, but its kernel may linger a while
            limits = KernelLimits(max_kernels=0)
            voila = start_dashboard(api_url, port=dashboard_port, log=log.fileno(), limits=limits)
        url = f"http://127.0.0.1:{dashboard_port}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            _visit(browser, url, cache=False)  # Voilà's first page compiles its templates
            first = [_visit(browser, url, cache=False) for _ in range(repeat)]
            reload = [_visit(browser, url, cache=True) for _ in range(repeat)]
            after = [_after_trigger(browser, url) for _ in range(repeat)] if trigger else []
            browser.close()
    finally:
        if voila is not None:
            stop_dashboard(voila)
        api.send_signal(signal.SIGTERM)
        api.wait(60)
    return {
        "bytes": statistics.median(v["bytes"] for v in first),
        "requests": statistics.median(v["requests"] for v in first),
        "first_headline": statistics.median(v["headline"] for v in first),
        "first_table": statistics.median(v["table"] for v in first),
        "reload_headline": statistics.median(v["headline"] for v in reload),
        "reload_table": statistics.median(v["table"] for v in reload),
        "reload_bytes": statistics.median(v["bytes"] for v in reload),
        "complete_to_table": statistics.median(after) if after else float("nan"),
        "repeat": repeat,
    }


def render(rows: dict[str, dict]) -> str:
    """A Markdown table of :func:`measure`'s figures, one column per fleet size."""
    names = list(rows)
    lines = ["| dashboard, Chromium 1400 x 900 | " + " | ".join(names) + " |"]
    lines.append("|---" * (len(names) + 1) + "|")

    def line(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(rows[n]) for n in names) + " |")

    line("page weight, first visit", lambda r: f"{r['bytes'] / 2**20:.2f} MiB")
    line("responses, first visit", lambda r: f"{r['requests']:.0f}")
    line("bytes on a reload (cached)", lambda r: f"{r['reload_bytes'] / 2**10:.0f} KiB")
    line("open -> headline, first visit", lambda r: f"{r['first_headline']:.2f} s")
    line("open -> headline, reload", lambda r: f"{r['reload_headline']:.2f} s")
    line("open -> table and charts, reload", lambda r: f"{r['reload_table']:.2f} s")
    line("Complete -> table and charts", lambda r: f"{r['complete_to_table']:.2f} s")
    repeat = next(iter(rows.values()))["repeat"]
    lines.append("")
    lines.append(f"Medians of {repeat} visits each; 2 cores shared with the servers.")
    return "\n".join(lines)
