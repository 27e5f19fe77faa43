"""The dashboard in headless Debian Chromium (Playwright), served by Voilà next to the real API.

Everything runs on 127.0.0.1 free ports: the API (uvicorn, real papermill report jobs), Voilà on
notebooks/dashboard.ipynb with storemon's template, and the browser. A complete report exists
before the page is opened, so the page must open on it without a click, at 1400 x 900 and on a
phone's 400 x 800. Widgets are found by their storemon-* classes. Every request the page makes is
recorded; none may go to another host. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import urllib.request
from io import BytesIO
from pathlib import Path

import pandas as pd
import psutil
import pytest
from browser_kit import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from live_servers import free_port, small_fleet, wait_for

from storemon.config import PROJ_ROOT
from storemon.service.voila import start_dashboard, stop_dashboard

playwright_api = pytest.importorskip("playwright.sync_api")

ARTIFACTS = PROJ_ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1"}
SCREENS = {"laptop": (1400, 900), "phone": (400, 800)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (make browser installs it)"
    ),
]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_fleet(tmp_path_factory.mktemp("browser") / "raw", stores=40, seed=21)


def api_json(url: str, method: str = "GET") -> dict:
    request = urllib.request.Request(url, method=method, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def complete_report(api: str) -> tuple[str, pd.DataFrame]:
    """A report made before the page opens, with its data quality and trend kept."""
    report_id = api_json(f"{api}/trigger_report", "POST")["report_id"]

    def done() -> bool:
        view = api_json(f"{api}/get_report?report_id={report_id}")
        assert view["status"] != "Failed", view
        return view["status"] == "Complete" and view["html_ready"]

    wait_for(done, 300, "the report and its HTML")
    with urllib.request.urlopen(f"{api}/reports/{report_id}/report.csv") as response:
        report = pd.read_csv(BytesIO(response.read()), dtype={"store_id": str})
    return report_id, report


@pytest.fixture(scope="module")
def dashboard(api: str, complete_report):
    """Voilà serving the dashboard (its process), its log in test-artifacts/voila.log."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    with open(ARTIFACTS / "voila.log", "wb") as log:
        process = start_dashboard(api, port=port, log=log.fileno())
        process.url = f"http://127.0.0.1:{port}/"
        try:
            yield process
        finally:
            # Voilà ends cleanly on SIGTERM (0), within the grace, not killed (-9).
            assert stop_dashboard(process) == 0


@pytest.fixture(scope="module")
def dashboard_url(dashboard) -> str:
    return dashboard.url


def page_kernels(dashboard) -> set[int]:
    """The pids of the kernels Voilà runs for its pages (not those that ended)."""
    running = set()
    for child in psutil.Process(dashboard.pid).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline()):
                running.add(child.pid)
        except psutil.Error:  # it ended meanwhile
            pass
    return running


@pytest.fixture(scope="module")
def browser(dashboard_url: str):
    """One Chromium; every request and websocket of its pages recorded."""
    requested: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium, requested
        chromium.close()


def open_page(browser, url: str, screen: str):
    chromium, requested = browser
    width, height = SCREENS[screen]
    context = chromium.new_context(
        accept_downloads=True, viewport={"width": width, "height": height}
    )
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda socket: requested.append(socket.url))
    page.goto(url, timeout=WAIT_MS)
    return context, page


def tile_value(page, name: str) -> str:
    return page.locator(f".storemon-kpi-{name} .storemon-tile-value").inner_text().strip()


def expected_tiles(report: pd.DataFrame) -> dict[str, str]:
    """The headline as the issue defines it, computed here from the report's CSV."""
    up, down = report["uptime_last_week"].sum(), report["downtime_last_week"].sum()
    all_week = ((report["uptime_last_week"] == 0) & (report["downtime_last_week"] > 0)).sum()
    now = ((report["uptime_last_hour"] == 0) & (report["downtime_last_hour"] > 0)).sum()
    return {
        "fleet-uptime": f"{100 * up / (up + down):.1f} %",
        "down-all-week": f"{all_week:,}",
        "down-last-hour": f"{now:,}",
    }


def screenshot(page, name: str) -> None:
    """Save the whole page (Voilà may scroll inside it, so grow the viewport first)."""
    width = page.viewport_size["width"]
    height = page.evaluate(
        "Math.max(document.documentElement.scrollHeight, "
        "document.querySelector('.storemon-dashboard').getBoundingClientRect().bottom + 40)"
    )
    original = page.viewport_size
    page.set_viewport_size({"width": width, "height": int(min(height, 8000))})
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(original)


def failed(page) -> None:
    """Keep what a failing test's page showed: its picture and its text, in test-artifacts/."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", os.environ.get("PYTEST_CURRENT_TEST", "test"))[:80]
    try:
        screenshot(page, f"failed-{name}.png")
        (ARTIFACTS / f"failed-{name}.txt").write_text(page.inner_text("body"))
    except Exception as error:  # the page itself may be gone; the test's error matters more
        print(f"could not keep the failed page: {error}")


def image_loaded(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        "image => image.complete && image.naturalWidth > 0"
    )


def wait_loaded(page, selector: str) -> None:
    page.wait_for_function(
        f"() => {{ const i = document.querySelector({selector!r});"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=WAIT_MS,
    )


@pytest.mark.parametrize("screen", list(SCREENS))
def test_opens_on_the_newest_report_on_any_screen(browser, dashboard_url, complete_report, screen):
    report_id, report = complete_report
    context, page = open_page(browser, dashboard_url, screen)
    try:
        # No click: the headline of the newest complete report is there.
        page.locator(".storemon-kpi-fleet-uptime .storemon-tile-value", has_text="%").wait_for(
            timeout=WAIT_MS
        )
        for name, value in expected_tiles(report).items():
            assert tile_value(page, name) == value, name
        assert report_id in page.locator(".storemon-report-line").inner_text()
        page.locator(".storemon-status .storemon-ok", has_text="Complete").wait_for()
        page.locator(".storemon-kpi-extrapolated .storemon-tile-value", has_text="%").wait_for(
            timeout=WAIT_MS
        )
        # The trend picture, the rankings and the table follow.
        wait_loaded(page, ".storemon-trend img")
        wait_loaded(page, "img.storemon-top-chart")
        page.wait_for_function(
            "() => document.querySelectorAll('.storemon-table-box tbody tr').length > 0",
            timeout=WAIT_MS,
        )
        wait_loaded(page, "img.storemon-timeline")
        page.wait_for_timeout(500)  # let the last images lay out
        width = page.viewport_size["width"]
        # Nothing overflows: the document is no wider than the screen ...
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate("document.body.scrollWidth") <= width
        # ... and Trigger is wholly on screen, not cut to "Tr".
        trigger = page.locator(".storemon-trigger")
        trigger.scroll_into_view_if_needed()
        box = trigger.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert trigger.inner_text().strip() == "Trigger report"
        # Pictures fit the screen, or (on a phone) keep a legible size in a box that scrolls
        # sideways: no picture's box is cut at the right edge.
        for image in page.locator(".storemon-dashboard img").all():
            box = image.evaluate(
                "i => (i.closest('.storemon-scroller') || i).getBoundingClientRect().right"
            )
            assert box <= width + 0.5
            shown = image.evaluate("i => i.getBoundingClientRect().width")
            assert shown >= 540 or not image.is_visible()  # legible on a phone too
        screenshot(page, f"dashboard-{screen}.png")
    except BaseException:
        failed(page)
        raise
    finally:
        context.close()


def test_trigger_follows_to_complete_and_table_tools(browser, dashboard_url, complete_report, api):
    first_id, _ = complete_report
    context, page = open_page(browser, dashboard_url, "laptop")
    try:
        page.locator(".storemon-report-line", has_text=first_id).wait_for(timeout=WAIT_MS)
        page.locator(".storemon-trigger").click()
        # It is followed by itself: Running with its time, then Complete, then shown.
        running = page.locator(".storemon-status .storemon-running")
        running.wait_for(timeout=WAIT_MS)
        assert re.match(r"Running, \d+(\.\d)? s", running.inner_text()), running.inner_text()
        line = page.locator(".storemon-report-line")
        page.wait_for_function(
            f"() => !document.querySelector('.storemon-report-line').innerText"
            f".includes({first_id!r}) && document.querySelector('.storemon-status')"
            ".innerText.includes('Complete')",
            timeout=WAIT_MS,
        )
        new_id = re.search(r"id ([0-9a-f-]{36})", line.inner_text()).group(1)
        with urllib.request.urlopen(f"{api}/reports/{new_id}/report.csv") as response:
            report = pd.read_csv(BytesIO(response.read()), dtype={"store_id": str})
        page.wait_for_function(
            "() => document.querySelectorAll('.storemon-table-box tbody tr').length > 0",
            timeout=WAIT_MS,
        )
        for name, value in expected_tiles(report).items():
            assert tile_value(page, name) == value, name

        # The table: every store once over "all rows"; the filter narrows it; its rows download.
        page.locator(".storemon-page-size select").select_option(label="all rows")
        page.wait_for_function(
            "() => document.querySelectorAll('.storemon-table-box tbody tr').length === "
            f"{len(report)}",
            timeout=WAIT_MS,
        )
        store = sorted(report["store_id"])[0]
        page.locator(".storemon-filter input").fill(store)
        page.wait_for_function(
            "() => document.querySelectorAll('.storemon-table-box tbody tr').length === 1",
            timeout=WAIT_MS,
        )
        page.locator(".storemon-csv-button").click()
        with page.expect_download(timeout=WAIT_MS) as download:
            page.locator("a.storemon-rows-csv").click()
        rows = pd.read_csv(download.value.path(), dtype={"store_id": str})
        assert list(rows["store_id"]) == [store]

        # A store of the page: its week, its 28 days; an unknown id: a sentence, no picture.
        page.locator(".storemon-store-pick select").select_option(label=store)
        page.locator(".storemon-timeline-message", has_text=f"Store {store}").wait_for(
            timeout=WAIT_MS
        )
        wait_loaded(page, "img.storemon-store-days")
        screenshot(page, "dashboard-store.png")
        page.locator(".storemon-store-text input").fill("no-such-store")
        page.locator(".storemon-store-text input").press("Enter")
        page.locator(".storemon-timeline-message", has_text="There is no store").wait_for(
            timeout=WAIT_MS
        )
        page.locator("img.storemon-timeline").wait_for(state="hidden", timeout=WAIT_MS)
        page.locator("img.storemon-store-days").wait_for(state="hidden", timeout=WAIT_MS)
    except BaseException:
        failed(page)
        raise
    finally:
        context.close()


def test_closing_the_page_stops_its_kernel(browser, dashboard, complete_report):
    """A closed tab's kernel stops at once (Voilà's page asks, with the `_xsrf` cookie's token),
    rather than holding a place under the kernel cap until it is culled."""
    before = page_kernels(dashboard)
    context, page = open_page(browser, dashboard.url, "laptop")
    try:
        page.locator(".storemon-kpi-fleet-uptime .storemon-tile-value").wait_for(timeout=WAIT_MS)
        assert "_xsrf" in {cookie["name"] for cookie in context.cookies()}
        mine = page_kernels(dashboard) - before
        assert len(mine) == 1, mine
        page.close(run_before_unload=True)
        wait_for(lambda: not mine & page_kernels(dashboard), 30, "the closed page's kernel")
    finally:
        context.close()
    refused = [
        line
        for line in (ARTIFACTS / "voila.log").read_text(errors="replace").splitlines()
        if "voila/api/shutdown" in line and "403" in line
    ]
    assert refused == []


def test_no_request_left_the_machine(browser):
    _, requested = browser
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
