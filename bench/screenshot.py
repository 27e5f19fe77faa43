"""The README's picture of the dashboard, taken from this checkout's data (``make screenshot``).

Starts the API and the dashboard on free ports of 127.0.0.1 over ``data/storemon.duckdb`` (what
``make demo`` made) with a reports folder of its own, completes one report, opens the page in
headless Chromium at 1280 x 900 and saves the whole page, once the headline, the trend, the
rankings, the table and a store's week and days are drawn, as ``docs/dashboard.png``.

Usage: ``python bench/screenshot.py [--db data/storemon.duckdb] [--out docs/dashboard.png]``
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser_kit import CHROMIUM, CHROMIUM_ARGS, WAIT_MS  # noqa: E402
from dashboard_bench import _api, _complete_report  # noqa: E402
from live_servers import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DRAWN = [".storemon-trend img", "img.storemon-top-chart", "img.storemon-timeline"]


def take(database: Path, out: Path) -> None:
    """Serve ``database``, complete a report, and save the dashboard's page as ``out``."""
    from playwright.sync_api import sync_playwright

    from storemon.service.voila import start_dashboard, stop_dashboard

    with tempfile.TemporaryDirectory(prefix="storemon-screenshot-") as work:
        port = free_port()
        api = _api(str(database), Path(work) / "reports", port)
        voila = None
        try:
            api_url = f"http://127.0.0.1:{port}"
            _complete_report(api_url)
            dashboard_port = free_port()
            voila = start_dashboard(api_url, port=dashboard_port)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"http://127.0.0.1:{dashboard_port}/", timeout=WAIT_MS)
                for selector in DRAWN:
                    page.wait_for_function(
                        f"() => {{ const i = document.querySelector({selector!r});"
                        " return i && i.complete && i.naturalWidth > 0; }",
                        timeout=WAIT_MS,
                    )
                page.wait_for_function(
                    "() => document.querySelectorAll('.storemon-table-box tbody tr').length > 0",
                    timeout=WAIT_MS,
                )
                page.wait_for_timeout(1000)  # the last pictures lay out
                # Voilà scrolls inside the page: grow the window to the dashboard's height.
                height = page.evaluate(
                    "document.querySelector('.storemon-dashboard').getBoundingClientRect()"
                    ".bottom + 40"
                )
                page.set_viewport_size({"width": 1280, "height": int(min(height, 8000))})
                page.wait_for_timeout(500)
                page.screenshot(path=str(out), full_page=True)
                browser.close()
        finally:
            if voila is not None:
                stop_dashboard(voila)
            api.send_signal(signal.SIGTERM)
            api.wait(60)
    print(f"saved {out}")


def main() -> None:
    """Parse the options and take the picture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "storemon.duckdb")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    args = parser.parse_args()
    if not args.db.exists():
        raise SystemExit(f"{args.db} does not exist: run `make demo` first")
    take(args.db, args.out)


if __name__ == "__main__":
    main()
