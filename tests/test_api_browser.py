"""The API's own pages in headless Debian Chromium (Playwright): /docs uses the API, and another
site's page cannot queue a report (its body-less cross-site POST is refused before it runs).

Its own module: a module's Playwright session (tests/test_dashboard_browser.py keeps one open for
its module) cannot be nested with another in the same thread.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_kit import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from live_servers import small_fleet

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

FETCH = """async ([url, method, mode]) => {
    try {
        const answer = await fetch(url, {method: method, mode: mode});
        return answer.type === "opaque" ? "opaque" : answer.status;
    } catch (error) {
        return String(error);
    }
}"""


def test_the_api_serves_its_own_page_and_refuses_another_sites(tmp_path: Path):
    """In Chromium: /docs (Swagger UI) uses the API; another site's page cannot queue a report."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from live_servers import running_server

    from storemon.service.app import create_app

    class OtherSite(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = b"<!DOCTYPE html><title>another site</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    reports = tmp_path / "reports"
    app = create_app(small_fleet(tmp_path / "raw", stores=5), reports, kernel_pool=0, workers=1)
    other = ThreadingHTTPServer(("127.0.0.1", 0), OtherSite)
    Thread(target=other.serve_forever, daemon=True).start()
    try:
        with running_server(app) as url, playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{url}/docs", timeout=WAIT_MS)
            assert page.title() == "storemon - Swagger UI"
            assert page.evaluate(FETCH, [f"{url}/reports", "GET", "cors"]) == 200
            # the API's own page reaches the endpoint (which then refuses the bad method)
            assert (
                page.evaluate(FETCH, [f"{url}/trigger_report?method=mean", "POST", "cors"]) == 422
            )
            page.goto(f"http://localhost:{other.server_address[1]}/", timeout=WAIT_MS)
            statuses = []
            page.on("response", lambda answer: statuses.append(answer.status))
            assert page.evaluate(FETCH, [f"{url}/trigger_report", "POST", "no-cors"]) == "opaque"
            page.wait_for_timeout(300)
            assert statuses == [403]
            browser.close()
    finally:
        other.shutdown()
        other.server_close()
    assert not any(reports.iterdir())  # nothing was queued
