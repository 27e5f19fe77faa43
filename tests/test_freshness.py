"""Freshness (issue 11, part 5): the latest poll, the last ingest and the hot window, everywhere.

Real components only: databases ingested from generated exports, the ``storemon`` command, a real
API server on 127.0.0.1, the dashboard's widgets reading that API, and real report jobs. The
expected values are computed independently with pandas over the generated CSVs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from live_servers import api_server, wait_for

from storemon.cli import main
from storemon.dashboard import build_dashboard
from storemon.dashboard.headline import freshness as freshness_tile
from storemon.engine.freshness import read_freshness
from storemon.engine.ingest import ingest
from storemon.errors import StoremonError
from storemon.freshness import Freshness, age_text
from storemon.jobs.records import ReportView
from storemon.jobs.store import STATUS_FILE
from storemon.synthetic.generate import PINNED_END, generate

STORES = 30
TOKEN = "fresh-token-0123456"


def utc_now() -> datetime:
    """The clock as a naive UTC datetime (the database's instants are naive UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def expected_polls(raw: Path) -> pd.DataFrame:
    """The polls of an export, read by pandas alone: distinct (store, instant, status) rows."""
    polls = pd.read_csv(raw / "store_status.csv", dtype=str)
    polls["instant"] = pd.to_datetime(
        polls["timestamp_utc"].str.removesuffix(" UTC"), utc=True, format="mixed"
    ).dt.tz_localize(None)
    return polls.drop_duplicates(["store_id", "instant", "status"])


def loaded(raw: Path, database: Path) -> tuple[datetime, datetime]:
    """Ingest ``raw`` into ``database``; return the clock just before and just after."""
    before = utc_now()
    ingest(raw, database)
    return before, utc_now()


@pytest.fixture(scope="module")
def old_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, tuple]:
    """Exports of 2024 (their latest poll is years old) and the database they were ingested to."""
    folder = tmp_path_factory.mktemp("old")
    raw = folder / "raw"
    generate(raw, stores=STORES, days=3, seed=5, end=PINNED_END)
    database = folder / "storemon.duckdb"
    return raw, database, loaded(raw, database)


@pytest.fixture(scope="module")
def fresh_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Exports whose polls end now (the latest poll minutes old) and their database."""
    folder = tmp_path_factory.mktemp("fresh")
    raw = folder / "raw"
    start = (utc_now() - timedelta(days=2)).isoformat(timespec="seconds")
    generate(raw, stores=STORES, days=2, start=start, seed=6)
    database = folder / "storemon.duckdb"
    ingest(raw, database)
    return raw, database


# --- engine ----------------------------------------------------------------------------------


def test_freshness_equals_the_polls_and_the_loads(old_data) -> None:
    raw, database, (before, after) = old_data
    polls = expected_polls(raw)
    freshness = read_freshness(database)
    assert freshness.ingested
    assert freshness.latest_poll == polls["instant"].max().to_pydatetime()
    assert freshness.oldest_poll == polls["instant"].min().to_pydatetime()
    assert freshness.stores == polls["store_id"].nunique() == STORES
    assert freshness.polls_hot == len(polls)
    with duckdb.connect(str(database), read_only=True) as con:
        (last_load,) = con.execute("select max(loaded_at) from loads").fetchone()
    assert freshness.last_ingest == last_load
    assert before - timedelta(seconds=1) <= freshness.last_ingest <= after
    assert freshness.retention_days == 21


def test_a_later_ingest_moves_the_latest_poll_and_the_last_ingest(tmp_path: Path) -> None:
    drops, later = tmp_path / "drops", tmp_path / "later"
    generate(drops, stores=10, days=1, start="2024-10-29T00:00:00Z", seed=1)
    generate(later, stores=10, days=1, start="2024-10-30T00:00:00Z", seed=1)
    database = tmp_path / "storemon.duckdb"
    ingest(drops, database)
    earlier = read_freshness(database)
    # the next day's drop arrives in the folder of drops, as a file of its own name
    shutil.copy(later / "store_status.csv", drops / "store_status_2024-10-30.csv")
    _, after = loaded(drops, database)
    both = pd.concat([expected_polls(drops), expected_polls(later)])
    both = both.drop_duplicates(["store_id", "instant", "status"])
    now = read_freshness(database)
    assert now.latest_poll == both["instant"].max().to_pydatetime() > earlier.latest_poll
    assert now.oldest_poll == earlier.oldest_poll == both["instant"].min().to_pydatetime()
    assert earlier.last_ingest < now.last_ingest <= after
    assert now.polls_hot == len(both)


def test_a_folder_is_not_ingested_and_a_missing_database_is_named(old_data, tmp_path) -> None:
    raw, _, _ = old_data
    assert read_freshness(raw) == Freshness(ingested=False)
    assert "not ingested" in read_freshness(raw).describe()[0]
    missing = tmp_path / "nothing.duckdb"
    with pytest.raises(StoremonError, match=f"database {missing} does not exist"):
        read_freshness(missing)
    not_a_database = tmp_path / "notes.duckdb"
    not_a_database.write_text("hello\n")
    with pytest.raises(StoremonError, match="cannot open database"):
        read_freshness(not_a_database)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(StoremonError, match="not a database made by `storemon ingest`"):
        read_freshness(empty)


def test_ages_read_in_the_units_that_matter() -> None:
    assert [age_text(s) for s in (None, -5, 59, 61, 7199, 7200, 49 * 3600 + 1)] == [
        "?",
        "0 s",
        "59 s",
        "1 min",
        "1 h",
        "2 h",
        "2 d 1 h",
    ]


# --- the command line ------------------------------------------------------------------------


def test_status_without_id_prints_the_freshness(old_data, capsys) -> None:
    raw, database, _ = old_data
    polls = expected_polls(raw)
    assert main(["status", "--db", str(database)]) == 0
    out = capsys.readouterr().out
    latest = polls["instant"].max().strftime("%Y-%m-%d %H:%M:%S UTC")
    oldest = polls["instant"].min().strftime("%Y-%m-%d %H:%M:%S UTC")
    last_ingest = read_freshness(database).last_ingest.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"data: {database}" in out
    assert f"latest poll:  {latest} (" in out
    assert f"last ingest:  {last_ingest} (" in out
    assert f"hot window:   {oldest} to {latest}" in out
    assert f"{STORES:,} with {len(polls):,} polls" in out


def test_status_without_id_on_a_missing_database_is_one_line(tmp_path, capsys) -> None:
    missing = tmp_path / "none.duckdb"
    assert main(["status", "--db", str(missing)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"storemon: error: {missing} does not exist: there is no data yet")
    assert err.count("\n") == 1


@pytest.mark.slow
def test_status_tells_the_databases_retention_and_the_setting_for_the_next_ingest(
    old_data,
) -> None:
    _, database, _ = old_data
    env = {**os.environ, "STOREMON_RETENTION_DAYS": "30"}
    command = [sys.executable, "-m", "storemon.cli", "status", "--db", str(database)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "retention 21 days" in done.stdout  # what its loads kept
    assert "next ingest:  keeps 30 days hot (STOREMON_RETENTION_DAYS=30)" in done.stdout
    env["STOREMON_RETENTION_DAYS"] = "soon"
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "STOREMON_RETENTION_DAYS='soon' is not a number of days" in done.stderr
    assert "Traceback" not in done.stderr


# --- the API ---------------------------------------------------------------------------------


def get_json(url: str, token: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_get_data_on_a_real_server(old_data, tmp_path) -> None:
    raw, database, _ = old_data
    polls = expected_polls(raw)
    with api_server(database, tmp_path / "reports") as url:
        asked = utc_now()
        status, answer = get_json(f"{url}/data")
        _, schema = get_json(f"{url}/openapi.json")
    assert status == 200
    latest = polls["instant"].max().to_pydatetime()
    last_ingest = read_freshness(database).last_ingest
    assert answer["ingested"] is True
    assert pd.Timestamp(answer["latest_poll"]).tz_localize(None) == latest
    assert answer["latest_poll"].endswith("Z")
    assert pd.Timestamp(answer["last_ingest"]).tz_localize(None) == last_ingest
    assert answer["hot_window"] == {
        "from": polls["instant"].min().isoformat() + "Z",
        "to": answer["latest_poll"],
    }
    assert answer["retention_days"] == 21
    assert answer["stores"] == STORES
    assert answer["polls_hot"] == len(polls)
    age = (asked - latest).total_seconds()
    assert age - 5 <= answer["age_seconds"] <= age + 60
    assert set(answer) == set(schema["components"]["schemas"]["DataFreshness"]["properties"])
    assert "/data" in schema["paths"]


def test_get_data_needs_the_token_and_names_a_missing_database(old_data, tmp_path) -> None:
    raw, database, _ = old_data
    with api_server(database, tmp_path / "reports", token=TOKEN) as url:
        assert get_json(f"{url}/data")[0] == 401
        status, answer = get_json(f"{url}/data", TOKEN)
        assert status == 200 and answer["stores"] == STORES
    with api_server(raw, tmp_path / "reports") as url:
        status, answer = get_json(f"{url}/data")
        assert status == 200
        assert answer["ingested"] is False and answer["latest_poll"] is None
    missing = tmp_path / "gone.duckdb"
    with api_server(missing, tmp_path / "reports") as url:
        status, answer = get_json(f"{url}/data")
        assert status == 404
        assert answer["detail"].startswith(f"database {missing} does not exist")


# --- the dashboard ---------------------------------------------------------------------------


def test_dashboard_header_shows_the_data_from_the_api(old_data, tmp_path) -> None:
    raw, database, _ = old_data
    polls = expected_polls(raw)
    freshness = read_freshness(database)
    with api_server(database, tmp_path / "reports", token=TOKEN) as url:
        app = build_dashboard(url, token=TOKEN)
        try:
            assert app.wait_idle(30)
            header = app.data_freshness.value
        finally:
            app.close()
    latest = polls["instant"].max().strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"data up to {latest} (" in header
    assert f"last ingest {freshness.last_ingest:%Y-%m-%d %H:%M:%S} UTC" in header
    assert "storemon-warning" in header  # the 2024 polls are long past 2 hours old
    assert app.children[0] is app.data_freshness  # the first line under the title


def test_dashboard_header_of_fresh_data_is_not_a_warning(fresh_data, tmp_path) -> None:
    raw, database = fresh_data
    latest = expected_polls(raw)["instant"].max()
    with api_server(database, tmp_path / "reports") as url:
        app = build_dashboard(url)
        try:
            assert app.wait_idle(30)
            header = app.data_freshness.value
        finally:
            app.close()
    assert f"data up to {latest:%Y-%m-%d %H:%M:%S} UTC (" in header
    assert "storemon-ok" in header and "storemon-warning" not in header


@pytest.mark.slow
def test_refresh_list_shows_a_new_ingest_in_the_header(tmp_path) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    generate(first, stores=10, days=1, start="2024-10-29T00:00:00Z", seed=2)
    generate(later, stores=10, days=1, start="2024-10-30T00:00:00Z", seed=2)
    database = tmp_path / "storemon.duckdb"
    ingest(first, database)
    with api_server(database, tmp_path / "reports") as url:
        app = build_dashboard(url)
        try:
            assert app.wait_idle(30)
            before = app.data_freshness.value
            ingest(later, database)
            app.refresh_button.click()
            assert app.wait_idle(30)
            after = app.data_freshness.value
        finally:
            app.close()
    old_latest, new_latest = (expected_polls(raw)["instant"].max() for raw in (first, later))
    assert f"data up to {old_latest:%Y-%m-%d %H:%M:%S} UTC" in before
    assert f"data up to {new_latest:%Y-%m-%d %H:%M:%S} UTC" in after
    last_ingest = read_freshness(database).last_ingest
    assert f"last ingest {last_ingest:%Y-%m-%d %H:%M:%S} UTC" in after


def test_dashboard_header_says_when_the_api_has_no_database(tmp_path) -> None:
    missing = tmp_path / "gone.duckdb"
    with api_server(missing, tmp_path / "reports") as url:
        app = build_dashboard(url)
        try:
            assert app.wait_idle(30)
            header = app.data_freshness.value
        finally:
            app.close()
    assert "storemon-error" in header and "does not exist" in header


def test_a_report_as_of_an_earlier_instant_is_labelled_so_not_stale() -> None:
    view = ReportView(
        report_id="0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e",
        status="Complete",
        method="nearest",
        as_of="2024-11-04T12:00:00Z",
        created="2024-11-05T23:00:00.000Z",
        started="2024-11-05T23:00:00.000Z",
        finished="2024-11-05T23:00:05.000Z",
        now="2024-11-04T11:59:30Z",
        data_latest_poll="2024-11-05T22:59:00Z",
        data_age_seconds=35 * 3600 + 30,
    )
    tile = freshness_tile(view)
    assert "Report as of" in tile and "2024-11-04 11:59 UTC" in tile
    assert "a past instant; the data runs to 2024-11-05 22:59:00 UTC" in tile
    assert "storemon-tile-warning" not in tile and " old" not in tile


# --- reports ---------------------------------------------------------------------------------


def report_in_dashboard(database: Path, reports: Path) -> tuple[str, dict, dict]:
    """Trigger a report in the dashboard, follow it; return its freshness tile, record, JSON."""
    with api_server(database, reports) as url:
        app = build_dashboard(url, poll_interval=0.3)
        try:
            assert app.wait_idle(30)
            app.trigger_button.click()
            wait_for(
                lambda: "Complete" in app.status_message.value and "id " in app.report_line.value,
                180,
                "the report to complete",
            )
            assert app.wait_idle(60)
            report_id = app.report_line.value.split("id ", 1)[1][:36]
            line = app.kpi_freshness.value
        finally:
            app.close()
        request = urllib.request.Request(
            f"{url}/get_report?report_id={report_id}", headers={"Accept": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:
            view = json.loads(answer.read())
    record = json.loads((reports / report_id / STATUS_FILE).read_text())
    return line, record, view


@pytest.mark.slow
def test_a_report_of_old_data_warns_and_records_the_freshness(old_data, tmp_path) -> None:
    raw, database, _ = old_data
    freshness = read_freshness(database)
    line, record, view = report_in_dashboard(database, tmp_path / "reports")
    latest = expected_polls(raw)["instant"].max()
    assert pd.Timestamp(record["data_latest_poll"]).tz_localize(None) == latest
    assert pd.Timestamp(record["data_last_ingest"]).tz_localize(None) == freshness.last_ingest
    started = pd.Timestamp(record["started"]).tz_localize(None)
    age = (started - latest).total_seconds()
    assert record["data_age_seconds"] == pytest.approx(age, abs=0.01)
    for field in ("data_latest_poll", "data_last_ingest", "data_age_seconds"):
        assert view[field] == record[field]
    # read by the notebook on the report's own snapshot, not by the runner afterwards
    summary = json.loads((tmp_path / "reports" / record["report_id"] / "summary.json").read_text())
    assert summary["data_latest_poll"] == record["data_latest_poll"]
    assert summary["data_last_ingest"] == record["data_last_ingest"]
    assert "storemon-tile-warning" in line
    assert f">{age_text(age)} old<" in line
    assert f"the last poll, {latest:%Y-%m-%d %H:%M:%S} UTC, when it ran" in line


@pytest.mark.slow
def test_a_report_of_fresh_data_does_not_warn(fresh_data, tmp_path) -> None:
    raw, database = fresh_data
    line, record, view = report_in_dashboard(database, tmp_path / "reports")
    latest = expected_polls(raw)["instant"].max()
    assert pd.Timestamp(record["data_latest_poll"]).tz_localize(None) == latest
    assert 0 < record["data_age_seconds"] < 2 * 3600
    assert view["data_age_seconds"] == record["data_age_seconds"]
    assert "storemon-tile-ok" in line and "storemon-tile-warning" not in line
