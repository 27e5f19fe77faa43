"""The dashboard's widgets driven without a browser, against a real API server on 127.0.0.1."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from io import BytesIO
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from jobkit import make_database
from live_servers import api_server, free_port, small_fleet

from storemon import compute_report
from storemon.analysis.metrics import default_store, top_downtime
from storemon.dashboard import Dashboard, build_dashboard, headline
from storemon.dashboard.client import read_view
from storemon.dashboard.messages import duration, recent_label
from storemon.dashboard.table import page_of, rows_csv, store_table
from storemon.jobs.records import ReportState, ReportView

PNG = b"\x89PNG\r\n\x1a\n"
TOKEN = "s3cret-token-0123456"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_fleet(tmp_path_factory.mktemp("fleet") / "raw", stores=30, seed=11)


@pytest.fixture
def app(api: str, fleet: Path):
    dashboard = build_dashboard(api, poll_interval=0.3)
    yield dashboard
    dashboard.close()


def is_png(value: bytes | memoryview) -> bool:
    return bytes(value[:8]) == PNG


def body_rows(table_html: str) -> int:
    body = table_html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr")


def wait_for(predicate, timeout: float = 180.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def tile_value(tile_html: str) -> str:
    return re.search(r'class="storemon-tile-value[^"]*">([^<]*)<', tile_html).group(1)


def shown_id(app: Dashboard) -> str | None:
    found = re.search(r"id ([0-9a-f-]{36})", app.report_line.value)
    return found.group(1) if found else None


def trigger_and_follow(app: Dashboard, as_of: str = "", method: str = "nearest") -> list[str]:
    """Click Trigger and collect every status line shown until the report is done (no Get)."""
    before = shown_id(app)
    seen: list[str] = []
    app.as_of.value = as_of
    app.method.value = method
    app.trigger_button.click()

    def done() -> bool:
        text = app.status_message.value
        if not seen or seen[-1] != text:
            seen.append(text)
        finished = "Complete" in text and shown_id(app) not in (None, before)
        return finished or "Failed" in text or "storemon-error" in text

    wait_for(done, what="the report to finish")
    assert app.wait_idle(120)
    return seen


def expected_tiles(report: pd.DataFrame) -> dict[str, str]:
    """The headline as the issue defines it, from the report's rows."""
    up, down = report["uptime_last_week"].sum(), report["downtime_last_week"].sum()
    all_week = ((report["uptime_last_week"] == 0) & (report["downtime_last_week"] > 0)).sum()
    now = ((report["uptime_last_hour"] == 0) & (report["downtime_last_hour"] > 0)).sum()
    return {
        "kpi_fleet_uptime": f"{100 * up / (up + down):.1f} %",
        "kpi_down_all_week": f"{all_week:,}",
        "kpi_down_last_hour": f"{now:,}",
    }


@pytest.mark.slow
def test_trigger_follows_to_complete_and_shows_everything(app: Dashboard, fleet: Path, api):
    seen = trigger_and_follow(app, method="carry_forward")
    assert any(re.search(r"Running, \d+(\.\d)? s", line) for line in seen), seen
    assert "Complete" in seen[-1]
    expected = compute_report(fleet, method="carry_forward")
    assert f"{len(expected):,} stores" in seen[-1]
    for name, value in expected_tiles(expected).items():
        assert tile_value(getattr(app, name).value) == value, name

    # The CSV link points at the API and serves the report's bytes.
    link = re.search(r'class="storemon-csv" href="([^"]+)"', app.summary.value).group(1)
    assert link.startswith(api + "/")
    with urllib.request.urlopen(link) as response:
        table = pd.read_csv(BytesIO(response.read()), dtype={"store_id": str})
    pd.testing.assert_frame_equal(table, expected.reset_index(drop=True), check_dtype=False)

    # The ranking leaves the stores down all week to their list; charts are real pictures.
    assert is_png(app.top_chart.value) and is_png(app.histogram.value)
    down = expected[(expected["uptime_last_week"] == 0) & (expected["downtime_last_week"] > 0)]
    if len(down):
        assert f"{len(down):,} store" in app.down_list.value and "down all week" in (
            app.down_list.value
        )
    assert not set(top_downtime(expected)["store_id"]) & set(down["store_id"])

    # The table shows every store once over all pages.
    assert sorted(app.table_rows()["store_id"]) == sorted(expected["store_id"])
    app.page_size.value = 0  # all rows
    assert body_rows(app.table.value) == len(expected)

    # The trend, the extrapolated share and the first store's week and days come by themselves.
    wait_for(lambda: is_png(app.trend_image.value), what="the trend")
    wait_for(lambda: "%" in tile_value(app.kpi_extrapolated.value), what="the extrapolated share")
    wait_for(lambda: is_png(app.store_days_image.value), what="the first store's days")
    first = default_store(expected)  # a week with outages and recoveries to look at
    assert app.store_pick.value in ("", first)  # picked when it is on the table's page
    assert f"Store {first}" in app.timeline_message.value
    row = expected.set_index("store_id").loc[first]
    assert f"downtime {row['downtime_last_week']:.2f} h" in app.timeline_message.value


@pytest.mark.slow
def test_a_new_page_opens_on_the_newest_complete_report(api: str, fleet: Path):
    first = build_dashboard(api, poll_interval=0.3)
    try:
        trigger_and_follow(first)
        report_id = shown_id(first)
    finally:
        first.close()
    opened = build_dashboard(api, poll_interval=0.3)
    try:
        # Filled while the page was built: no click, no wait.
        assert shown_id(opened) == report_id
        assert opened.recent.value == report_id
        assert "%" in tile_value(opened.kpi_fleet_uptime.value)
        assert "Complete" in opened.status_message.value
        assert opened.wait_idle(120)
        assert len(opened.table_rows()) == len(compute_report(fleet))
    finally:
        opened.close()


@pytest.mark.slow
def test_under_voila_updates_wait_until_the_page_has_its_widgets(
    api: str, fleet: Path, monkeypatch: pytest.MonkeyPatch
):
    """An update sent before the browser created its widget is lost: it waits for the page."""
    first = build_dashboard(api, poll_interval=0.3)
    try:
        trigger_and_follow(first)
    finally:
        first.close()
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel")  # as Voilà sets it
    monkeypatch.setenv("STOREMON_PAGE_GATE", "1")  # as `storemon serve` sets it
    opened = build_dashboard(api, poll_interval=0.3)
    try:
        assert "%" in tile_value(opened.kpi_fleet_uptime.value)  # in the page as it is sent
        assert not opened.wait_idle(8)  # the CSV and the charts are ready, and held
        assert not opened.page_gate.shown
        assert bytes(opened.top_chart.value) == b"" and opened.table_rows().empty
        assert "Asking the API" in opened.data_freshness.value
        opened.page_gate.button.click()  # what storemon's Voilà template does
        assert opened.wait_idle(120)
        assert is_png(opened.top_chart.value) and is_png(opened.trend_image.value)
        assert len(opened.table_rows()) == len(compute_report(fleet))
        assert "Asking the API" not in opened.data_freshness.value
    finally:
        opened.close()


@pytest.mark.slow
def test_table_filters_sort_download_and_stores(app: Dashboard, fleet: Path):
    trigger_and_follow(app)
    report = compute_report(fleet)
    app.sort_by.value = "uptime_last_week"
    app.descending.value = False
    assert list(app.table_rows()["uptime_last_week"]) == sorted(report["uptime_last_week"])

    needle = report["store_id"].iloc[3][2:6]
    app.filter_text.value = needle
    kept = app.table_rows()
    assert len(kept) == report["store_id"].str.contains(needle).sum() >= 1
    assert "filtered from" in app.page_label.value
    # The picker offers exactly the stores of the table's page, in its order.
    assert [value for _, value in app.store_pick.options[1:]] == list(kept["store_id"])
    app.csv_button.click()
    data = re.search(r'href="data:text/csv;base64,([^"]+)"', app.csv_link.value).group(1)
    rows = pd.read_csv(BytesIO(base64.b64decode(data)), dtype={"store_id": str})
    assert list(rows["store_id"]) == list(kept["store_id"])

    app.filter_text.value = ""
    app.status_filter.value = "down now"
    now = report[(report["uptime_last_hour"] == 0) & (report["downtime_last_hour"] > 0)]
    assert sorted(app.table_rows()["store_id"]) == sorted(now["store_id"])
    app.status_filter.value = ""

    # The zone column and filter: the zones of the API's store views.
    zone = app.zone_filter.options[1][1]
    every = app.table_rows()
    app.zone_filter.value = zone
    kept = app.table_rows()
    assert len(kept) >= 1 and set(kept["zone"]) == {zone}
    assert len(kept) == (every["zone"] == zone).sum()
    app.zone_filter.value = ""
    app.filter_text.value = needle
    kept = app.table_rows()

    store = kept["store_id"].iloc[-1]
    app.store_text.value = store
    assert app.wait_idle(120)
    assert is_png(app.timeline_image.value) and is_png(app.store_days_image.value)
    assert f"Store {store}" in app.timeline_message.value
    # the table's zone is the store view's
    assert f"({kept.set_index('store_id').loc[store, 'zone']})" in app.timeline_message.value

    app.store_text.value = "no-such-store"
    assert app.wait_idle(60)
    assert "There is no store <code>no-such-store</code> in this report" in (
        app.timeline_message.value
    )
    assert app.timeline_image.layout.display == "none"  # no broken picture


@pytest.mark.slow
def test_failed_report_says_why(app: Dashboard):
    seen = trigger_and_follow(app, as_of="2001-01-01T00:00:00Z")
    assert "Failed" in seen[-1]
    assert "before the data starts" in seen[-1]
    assert app.results.layout.display == "none"


@pytest.mark.slow
def test_bad_parameters_and_ids(app: Dashboard):
    app.as_of.value = "next tuesday"
    app.trigger_button.click()
    assert app.wait_idle(30)
    assert "Not triggered" in app.status_message.value
    assert "not a valid instant" in app.status_message.value

    unknown = str(uuid.uuid4())
    app.report_id.value = unknown
    app.get_button.click()
    assert app.wait_idle(30)
    assert f"There is no report with id {unknown}" in app.status_message.value

    app.report_id.value = "../../etc/passwd"
    app.get_button.click()
    assert app.wait_idle(30)
    assert "is not a report id" in app.status_message.value

    app.report_id.value = ""
    app.recent.value = None
    app.get_button.click()
    assert "Pick a report in the list, or paste a report id" in app.status_message.value


@pytest.mark.slow
def test_picking_an_earlier_report_shows_it(app: Dashboard):
    trigger_and_follow(app)
    earlier = shown_id(app)
    trigger_and_follow(app)
    assert shown_id(app) != earlier
    labels = {value: label for label, value in app.recent.options}
    assert "Complete" in labels[earlier]
    app.recent.value = earlier  # picking it shows it
    wait_for(lambda: shown_id(app) == earlier, what="the picked report")


@pytest.mark.slow
def test_token_protected_api_and_unreachable_api(fleet: Path, tmp_path: Path):
    with api_server(fleet, tmp_path / "reports", token=TOKEN) as url:
        refused = build_dashboard(url)
        assert refused.wait_idle(30)
        assert "needs a token" in refused.status_message.value
        refused.close()

        app = build_dashboard(url, token=TOKEN, poll_interval=0.3)
        seen = trigger_and_follow(app)
        assert "Complete" in seen[-1]
        # The browser could not send the token, so the CSV comes as a data URL.
        assert 'href="data:text/csv;base64,' in app.summary.value
        app.close()

    gone = build_dashboard(url)  # the server has stopped
    assert gone.wait_idle(30)
    assert "does not answer" in gone.status_message.value
    gone.trigger_button.click()
    assert gone.wait_idle(30)
    assert "does not answer" in gone.status_message.value
    gone.close()


SERVE = (
    "import sys; from storemon.service.serve import serve; "
    "serve(port=int(sys.argv[1]), source=sys.argv[2], reports_dir=sys.argv[3], "
    "log_level='warning')"
)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/reports", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.slow
def test_dashboard_draws_stores_from_the_api_without_any_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    database = make_database(tmp_path / "data")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port), str(database), str(tmp_path / "reports")]
    )
    opened: list[tuple] = []

    def refuse(*args: object, **kwargs: object) -> None:
        opened.append(args)
        raise AssertionError("the dashboard kernel opened a DuckDB database")

    # This process is the dashboard's kernel only: the API and its reports run in the server.
    monkeypatch.setattr(duckdb, "connect", refuse)
    app = None
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(url), 60, "storemon serve to answer")
        app = build_dashboard(url, poll_interval=0.3)
        assert "Complete" in trigger_and_follow(app)[-1]
        wait_for(lambda: is_png(app.timeline_image.value), 60, "the first store's week")
        link = re.search(r'class="storemon-csv" href="([^"]+)"', app.summary.value).group(1)
        with urllib.request.urlopen(link) as response:
            rows = pd.read_csv(BytesIO(response.read()), dtype={"store_id": str})

        database.unlink()  # the data is gone: every other store is still drawn from the API
        for store in rows["store_id"].iloc[[1, -1]]:
            app.timeline_image.value = b""
            app.store_text.value = store
            assert app.wait_idle(60)
            row = rows.set_index("store_id").loc[store]
            assert is_png(app.timeline_image.value), app.timeline_message.value
            assert f"Store {store}" in app.timeline_message.value
            assert f"uptime {row['uptime_last_week']:.2f} h" in app.timeline_message.value
            assert f"downtime {row['downtime_last_week']:.2f} h" in app.timeline_message.value
        assert opened == []
    finally:
        if app is not None:
            app.close()
        server.terminate()
        server.wait(60)


# --- without a server --------------------------------------------------------------------------


def report_of(rows: list[tuple]) -> pd.DataFrame:
    columns = ["store_id", "uptime_last_hour", "uptime_last_day", "uptime_last_week"]
    columns += ["downtime_last_hour", "downtime_last_day", "downtime_last_week"]
    return pd.DataFrame(rows, columns=columns)


def test_store_table_status_shares_and_order():
    report = report_of(
        [
            ("b", 60.0, 10.0, 30.0, 0.0, 0.0, 10.0),
            ("a", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
            ("c", 0.0, 0.0, 5.0, 30.0, 1.0, 15.0),
            ("d", 0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
        ]
    )
    table = store_table(report, sort_by="uptime_share_last_week", descending=True)
    assert list(table["store_id"]) == ["b", "c", "d", "a"]  # a has no business time: last
    assert list(table["uptime_share_last_week"].iloc[:3]) == [75.0, 25.0, 0.0]
    assert pd.isna(table["uptime_share_last_week"].iloc[3])
    status = dict(zip(table["store_id"], table["status_last_hour"], strict=True))
    assert status == {"a": "closed", "b": "up", "c": "down now", "d": "down now"}
    assert list(store_table(report, filter_text="B")["store_id"]) == ["b"]
    assert list(store_table(report, status="down now")["store_id"]) == ["c", "d"]
    assert list(store_table(report, status="down all week")["store_id"]) == ["d"]
    rows = pd.read_csv(BytesIO(rows_csv(store_table(report, status="closed"))))
    assert list(rows["store_id"]) == ["a"] and "status_last_hour" in rows


def test_page_of_clamps_and_labels():
    rows = pd.DataFrame({"store_id": [f"s{i}" for i in range(5)]})
    page = page_of(rows, 7, 2, total=9)  # past the end: the last page
    assert (page.number, page.count) == (2, 3)
    assert list(page.rows["store_id"]) == ["s4"]
    assert "rows 5–5 of 5 (filtered from 9), page 3 of 3" in page.label
    everything = page_of(rows, 0, 0, total=5)  # size 0: all rows on one page
    assert len(everything.rows) == 5 and "filtered" not in everything.label


def test_recent_record_without_null_fields_is_read():
    # The API's list of recent reports leaves null fields (as_of, finished, ...) out.
    view = read_view(
        {
            "report_id": "0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e",
            "status": "Failed",
            "method": "nearest",
            "created": "2024-11-05T12:00:00.000Z",
            "error": "no data",
        }
    )
    assert view.status is ReportState.FAILED and view.as_of is None and view.finished is None
    assert recent_label(view) == (
        "2024-11-05 12:00 UTC · as of latest poll · nearest · Failed · 0b7c5f0e"
    )


def test_status_words_are_short():
    assert duration(1.23) == "1.2 s"
    assert duration(48.4) == "48 s"
    assert duration(125) == "2 min 5 s"


def past_view(**changes: object) -> ReportView:
    view = ReportView(
        report_id="0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e",
        status="Complete",
        method="nearest",
        as_of="2024-11-04T12:00:00Z",
        created="2026-12-01T23:00:00.000Z",
        started="2026-12-01T23:00:00.000Z",
        finished="2026-12-01T23:00:05.000Z",
        now="2024-11-04T11:59:30Z",
        stores=3,
        data_latest_poll="2026-12-01T22:59:00Z",
        data_age_seconds=758 * 86400.0,
    )
    return view.model_copy(update=changes)


def test_freshness_tile_labels_a_past_instant_as_such():
    tile = headline.freshness(past_view())
    assert "Report as of" in tile and "2024-11-04 11:59 UTC" in tile
    assert "a past instant" in tile and "old" not in tile
    # A report of the latest poll says how old its data was, orange past 2 hours.
    latest = past_view(as_of=None, now="2026-12-01T22:59:00Z", data_age_seconds=3 * 3600.0)
    assert tile_value(headline.freshness(latest)) == "3 h old"
    assert "storemon-tile-warning" in headline.freshness(latest)
    fresh = latest.model_copy(update={"data_age_seconds": 600.0})
    assert "storemon-tile-ok" in headline.freshness(fresh)
