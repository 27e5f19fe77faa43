"""The dashboard in headless Debian Chromium (Playwright), served by Voilà next to the real API.

Everything runs on 127.0.0.1 free ports: the API (uvicorn, real papermill report jobs), Voilà on
notebooks/dashboard.ipynb with storemon's template, and the browser. Every request the page makes
is recorded; none may go to another host. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from browser_kit import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from live_servers import free_port, small_fleet

from storemon.config import PROJ_ROOT
from storemon.service.voila import start_dashboard, stop_dashboard

playwright_api = pytest.importorskip("playwright.sync_api")

ARTIFACTS = PROJ_ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (make browser installs it)"
    ),
]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_fleet(tmp_path_factory.mktemp("browser") / "raw", stores=40, seed=21)


@pytest.fixture(scope="module")
def dashboard_url(api: str, fleet: Path):
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    with open(ARTIFACTS / "voila.log", "wb") as log:
        process = start_dashboard(api, port=port, log=log.fileno())
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            # Voilà ends cleanly on SIGTERM (0), within the grace, not killed (-9).
            assert stop_dashboard(process) == 0


@pytest.fixture(scope="module")
def session(dashboard_url: str):
    """One browser page on the dashboard, with every request and websocket recorded."""
    requested: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        page.on("websocket", lambda socket: requested.append(socket.url))
        page.goto(dashboard_url, timeout=WAIT_MS)
        page.get_by_role("button", name="Trigger report").wait_for(timeout=WAIT_MS)
        yield page, requested
        context.close()
        browser.close()


def screenshot(page, name: str) -> None:
    """Save the whole dashboard (Voilà scrolls inside the page, so grow the viewport first)."""
    page.evaluate(
        "document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; });"
        "window.scrollTo(0, 0)"
    )
    height = page.evaluate(
        "Math.max(document.documentElement.scrollHeight, "
        "document.querySelector('.storemon-dashboard').getBoundingClientRect().bottom + 200)"
    )
    page.set_viewport_size({"width": 1280, "height": int(min(height, 6000))})
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def image_loaded(page, selector: str) -> bool:
    return page.locator(selector).evaluate("image => image.complete && image.naturalWidth > 0")


def test_trigger_get_complete(session, api: str):
    page, _ = session
    page.get_by_role("button", name="Trigger report").click()
    new_id = page.locator(".storemon-new-id input")
    page.wait_for_function(
        "() => document.querySelector('.storemon-new-id input').value.length === 36",
        timeout=WAIT_MS,
    )
    report_id = new_id.input_value()
    assert UUID.match(report_id)
    assert page.locator(".storemon-report-id input").input_value() == report_id

    page.get_by_role("button", name="Get report").click()
    # A report takes seconds (a kernel starts), so the running state is seen, refreshing.
    running = page.locator(".storemon-status .storemon-running")
    running.wait_for(timeout=WAIT_MS)
    assert re.match(
        r"Running \((waiting to start|running)\) for \d+ (min \d+ )?s", running.inner_text()
    ), running.inner_text()
    page.locator(".storemon-status .storemon-ok", has_text="Complete:").wait_for(timeout=WAIT_MS)
    screenshot(page, "dashboard-complete.png")

    with urllib.request.urlopen(f"{api}/get_report?report_id={report_id}") as response:
        api_csv = response.read()
    stores = api_csv.decode().count("\n") - 1
    assert stores == 40
    assert f"{stores} stores" in page.locator(".storemon-status").inner_text()

    # The download link is served by the API and gives exactly its bytes. It targets a new tab,
    # so that the dashboard's own page is never unloaded (Voilà would drop its kernel link).
    with page.expect_download(timeout=WAIT_MS) as download:
        page.locator("a.storemon-csv").click()
    assert Path(download.value.path()).read_bytes() == api_csv
    assert download.value.suggested_filename == f"report-{report_id}.csv"

    # The table: one row per store once all rows are shown.
    page.locator(".storemon-page-size select").select_option(label="all rows")
    rows = page.locator("table.storemon-table tbody tr")
    page.wait_for_function(
        f"() => document.querySelectorAll('table.storemon-table tbody tr').length === {stores}",
        timeout=WAIT_MS,
    )
    shown = {rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())}
    assert shown == {line.split(",")[0] for line in api_csv.decode().splitlines()[1:]}

    # The charts and the first store's timeline are pictures that loaded.
    for chart in (".storemon-histogram", ".storemon-top-chart"):
        assert image_loaded(page, chart), chart
    page.wait_for_function(
        "() => { const i = document.querySelector('.storemon-timeline');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=WAIT_MS,
    )
    page.locator(".storemon-timeline-message", has_text="business hours in the week").wait_for(
        timeout=WAIT_MS
    )

    # Filtering narrows the table; picking a store of the page draws its week.
    first_store = sorted(shown)[0]
    page.locator(".storemon-filter input").fill(first_store)
    page.wait_for_function(
        "() => document.querySelectorAll('table.storemon-table tbody tr').length === 1",
        timeout=WAIT_MS,
    )
    page.locator(".storemon-store-pick select").select_option(label=first_store)
    drawn = re.compile(rf"Store {first_store} \(.*business hours in the week")
    page.locator(".storemon-timeline-message", has_text=drawn).wait_for(timeout=WAIT_MS)
    screenshot(page, "dashboard-store.png")

    # The recent list shows the report with its status.
    recent = page.locator(".storemon-recent select")
    recent.locator("option", has_text=report_id).wait_for(state="attached", timeout=WAIT_MS)
    assert "Complete" in recent.locator("option", has_text=report_id).inner_text()


def test_unknown_id_says_so(session):
    page, _ = session
    unknown = str(uuid.uuid4())
    page.locator(".storemon-report-id input").fill(unknown)
    page.get_by_role("button", name="Get report").click()
    message = page.locator(".storemon-status .storemon-error")
    message.wait_for(timeout=WAIT_MS)
    assert f"There is no report with id {unknown}" in message.inner_text()
    screenshot(page, "dashboard-unknown-id.png")


def test_no_request_left_the_machine(session):
    _, requested = session
    assert requested, "no request was recorded"
    foreign = [
        url
        for url in requested
        if urllib.parse.urlsplit(url).scheme not in ("data", "blob")
        and urllib.parse.urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    assert foreign == []
    # The kernel's websocket is among them: the widgets really talked to Voilà.
    assert any(url.startswith("ws://127.0.0.1") for url in requested)
