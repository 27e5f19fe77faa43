"""The dashboard's widgets driven without a browser, against a real API server on 127.0.0.1."""

from __future__ import annotations

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
from storemon.dashboard import Dashboard, build_dashboard
from storemon.dashboard.client import read_view
from storemon.dashboard.messages import recent_label
from storemon.dashboard.table import page_of, store_table
from storemon.jobs.records import ReportState

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
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


def wait_for(predicate, timeout: float = 120.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def trigger(app: Dashboard, as_of: str = "", method: str = "nearest") -> str:
    app.as_of.value = as_of
    app.method.value = method
    app.trigger_button.click()
    assert app.wait_idle(30)
    return app.new_id.value


def get_until_done(app: Dashboard) -> list[str]:
    """Click Get and collect every status line shown until the report is done."""
    seen: list[str] = []
    app.get_button.click()

    def done() -> bool:
        text = app.status_message.value
        if not seen or seen[-1] != text:
            seen.append(text)
        return "Complete:" in text or "Failed" in text or "storemon-error" in text

    wait_for(done, what="the report to finish")
    assert app.wait_idle(60)
    return seen


@pytest.mark.slow
def test_trigger_get_complete_shows_table_charts_and_timeline(app: Dashboard, fleet: Path, api):
    report_id = trigger(app, method="carry_forward")
    assert UUID.match(report_id)
    assert app.report_id.value == report_id  # the Get field is filled
    assert "triggered" in app.trigger_message.value

    seen = get_until_done(app)
    assert any("Running" in line for line in seen), seen
    assert "Complete:" in seen[-1]
    expected = compute_report(fleet, method="carry_forward")
    assert f"{len(expected):,} stores" in seen[-1]

    # The CSV link points at the API and serves the report's bytes.
    link = re.search(r'class="storemon-csv" href="([^"]+)"', app.summary.value).group(1)
    assert link.startswith(api + "/")
    with urllib.request.urlopen(link) as response:
        downloaded = response.read()
    table = pd.read_csv(BytesIO(downloaded), dtype={"store_id": str})
    pd.testing.assert_frame_equal(table, expected.reset_index(drop=True), check_dtype=False)

    # Charts are real pictures; the table shows every store once over all pages.
    assert is_png(app.histogram.value) and is_png(app.top_chart.value)
    assert sorted(app.table_rows()["store_id"]) == sorted(expected["store_id"])
    app.page_size.value = 0  # all rows
    assert body_rows(app.table.value) == len(expected)
    assert f"of {len(expected):,}" in app.page_label.value

    # The first store's week is drawn right away, and it agrees with its report row.
    wait_for(lambda: is_png(app.timeline_image.value), 60, "the first timeline")
    first = app.store_pick.value
    row = expected.set_index("store_id").loc[first]
    assert f"{row['downtime_last_week']:.2f} h inactive" in app.timeline_message.value


@pytest.mark.slow
def test_table_filter_sort_and_store_picker(app: Dashboard, fleet: Path):
    trigger(app)
    get_until_done(app)
    report = compute_report(fleet)
    app.sort_by.value = "uptime_last_week"
    app.descending.value = False
    rows = app.table_rows()
    assert list(rows["uptime_last_week"]) == sorted(report["uptime_last_week"])

    needle = report["store_id"].iloc[3][2:6]
    app.filter_text.value = needle
    kept = app.table_rows()
    assert len(kept) == report["store_id"].str.contains(needle).sum() >= 1
    assert "filtered from" in app.page_label.value
    # The picker offers exactly the stores of the table's page, in its order.
    assert [value for _, value in app.store_pick.options[1:]] == list(kept["store_id"])

    store = kept["store_id"].iloc[-1]
    app.timeline_image.value = b""
    app.store_pick.value = store
    assert app.wait_idle(60)
    assert is_png(app.timeline_image.value)
    assert f"Store {store}" in app.timeline_message.value

    app.store_text.value = "no-such-store"
    assert app.wait_idle(60)
    assert "is not in this report" in app.timeline_message.value


@pytest.mark.slow
def test_failed_report_says_why(app: Dashboard):
    trigger(app, as_of="2001-01-01T00:00:00Z")
    seen = get_until_done(app)
    assert "Failed" in seen[-1]
    assert "before the data starts" in seen[-1]
    assert app.results.layout.display == "none"


@pytest.mark.slow
def test_bad_parameters_and_ids(app: Dashboard):
    app.as_of.value = "next tuesday"
    app.trigger_button.click()
    assert app.wait_idle(30)
    assert "Not triggered" in app.trigger_message.value
    assert "not a valid instant" in app.trigger_message.value

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
    app.get_button.click()
    assert "Enter a report id" in app.status_message.value


@pytest.mark.slow
def test_recent_list_picks_a_report(app: Dashboard, api: str):
    report_id = trigger(app)
    assert app.wait_idle(30)
    labels = dict((value, label) for label, value in app.recent.options)
    assert report_id in labels
    app.report_id.value = ""
    app.recent.value = report_id  # picking it gets it
    assert app.report_id.value == report_id
    wait_for(lambda: "Complete:" in app.status_message.value, what="the picked report")


@pytest.mark.slow
def test_token_protected_api_and_unreachable_api(fleet: Path, tmp_path: Path):
    with api_server(fleet, tmp_path / "reports", token=TOKEN) as url:
        refused = build_dashboard(url)
        assert "needs a token" in refused.recent_message.value
        refused.close()

        app = build_dashboard(url, token=TOKEN, poll_interval=0.3)
        trigger(app)
        seen = get_until_done(app)
        assert "Complete:" in seen[-1]
        # The browser could not send the token, so the CSV comes as a data URL.
        assert 'href="data:text/csv;base64,' in app.summary.value
        app.close()

    gone = build_dashboard(url)  # the server has stopped
    assert "does not answer" in gone.recent_message.value
    gone.trigger_button.click()
    assert gone.wait_idle(30)
    assert "does not answer" in gone.trigger_message.value
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
        trigger(app)
        assert "Complete:" in get_until_done(app)[-1]
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
            assert f"{row['uptime_last_week']:.2f} h active" in app.timeline_message.value
            assert f"{row['downtime_last_week']:.2f} h inactive" in app.timeline_message.value
        assert opened == []
    finally:
        if app is not None:
            app.close()
        server.terminate()
        server.wait(60)


def test_store_table_shares_and_order():
    report = pd.DataFrame(
        {
            "store_id": ["b", "a", "c"],
            "uptime_last_hour": [60.0, 0.0, 0.0],
            "uptime_last_day": [10.0, 0.0, 0.0],
            "uptime_last_week": [30.0, 0.0, 5.0],
            "downtime_last_hour": [0.0, 0.0, 0.0],
            "downtime_last_day": [0.0, 0.0, 1.0],
            "downtime_last_week": [10.0, 0.0, 15.0],
        }
    )
    table = store_table(report, sort_by="uptime_share_last_week", descending=True)
    assert list(table["store_id"]) == ["b", "c", "a"]  # a has no business time: last
    assert list(table["uptime_share_last_week"].iloc[:2]) == [75.0, 25.0]
    assert pd.isna(table["uptime_share_last_week"].iloc[2])
    assert list(store_table(report, filter_text="B")["store_id"]) == ["b"]


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
            "report_id": "r1",
            "status": "Failed",
            "method": "nearest",
            "created": "2024-11-05T12:00:00.000Z",
            "error": "no data",
        }
    )
    assert view.status is ReportState.FAILED and view.as_of is None and view.finished is None
    assert recent_label(view) == (
        "2024-11-05 12:00:00 UTC · Failed · nearest · as of latest poll · r1"
    )
