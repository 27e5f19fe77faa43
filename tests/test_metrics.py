"""The reading of a report: fleet sums, worst stores, data quality, extrapolated time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from storemon.analysis import metrics, reading
from storemon.config import REPORT_COLUMNS

BASE = datetime(2024, 10, 1, tzinfo=timezone.utc)  # a Tuesday; times below are hours after it


def write_folder(folder: Path, polls: dict[str, list[tuple[float, str]]], bad_lines: int = 0):
    """A CSV export: polls per store (hour offset, status), no hours rows, no zone rows."""
    folder.mkdir()
    lines = ["store_id,timestamp_utc,status"]
    for store, store_polls in polls.items():
        for hour, status in store_polls:
            stamp = BASE + timedelta(hours=hour)
            lines.append(f"{store},{stamp:%Y-%m-%d %H:%M:%S} UTC,{status}")
    lines += [f"s9,not a time {i},active" for i in range(bad_lines)]
    (folder / "store_status.csv").write_text("\n".join(lines) + "\n")
    (folder / "menu_hours.csv").write_text("store_id,dayOfWeek,start_time_local,end_time_local\n")
    (folder / "timezones.csv").write_text("store_id,timezone_str\n")
    return folder


def test_extrapolated_time_is_business_time_far_from_observations(tmp_path: Path) -> None:
    # Both stores are open 24x7 (no hours rows). now = hour 200; the week is [32, 200).
    # s1: hourly polls with a 10 h hole (40 -> 50): only (42, 48) is over 2 h from a poll.
    # s2: a poll every 5 h: (5k+2, 5k+3) is over 2 h from both neighbours, 1 h in every 5 h.
    polls = {
        "s1": [(h, "active") for h in [*range(0, 41), *range(50, 201)]],
        "s2": [(h, "active") for h in range(0, 201, 5)],
    }
    result = reading.build_reading(write_folder(tmp_path / "raw", polls, bad_lines=3))

    summary = result.extrapolated
    assert summary.loc["last_week", "business_hours"] == pytest.approx(2 * 168)
    assert summary.loc["last_week", "extrapolated_hours"] == pytest.approx(6 + 34)  # 32..200
    assert summary.loc["last_day", "extrapolated_hours"] == pytest.approx(5)  # 176..200
    assert summary.loc["last_hour", "extrapolated_hours"] == 0
    assert summary.loc["last_week", "stores_with_extrapolation"] == 2
    assert summary.loc["last_day", "stores_with_extrapolation"] == 1
    assert summary.loc["last_week", "extrapolated_share_pct"] == round(100 * 40 / 336, 1)

    assert result.now == (BASE + timedelta(hours=200)).isoformat().replace("+00:00", "Z")
    assert result.coverage.loc["polled stores without business hours", "stores"] == 2
    assert result.coverage.loc["polled stores without a valid time zone", "stores"] == 2
    assert result.rejects["rows_rejected"].sum() == 3
    assert result.fleet.loc["last_week", "uptime_share_pct"] == 100.0


def report_of(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def test_fleet_uptime_sums_windows_and_shares() -> None:
    report = report_of(
        [
            ("a", 60.0, 20.0, 100.0, 0.0, 4.0, 20.0),
            ("b", 30.0, 0.0, 50.0, 30.0, 0.0, 30.0),
            ("c", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),  # closed all week
        ]
    )
    fleet = metrics.fleet_uptime(report)
    assert list(fleet.index) == ["last_hour", "last_day", "last_week"]
    assert fleet.loc["last_hour"].to_dict() == {
        "unit": "minutes",
        "uptime": 90.0,
        "downtime": 30.0,
        "business_time": 120.0,
        "uptime_share_pct": 75.0,
        "stores_open": 2,
    }
    assert fleet.loc["last_week", "uptime_share_pct"] == 75.0
    assert fleet.loc["last_day", "stores_open"] == 1
    assert metrics.fleet_uptime(report.iloc[2:])["uptime_share_pct"].isna().all()


def test_top_downtime_ranks_and_drops_stores_without_downtime() -> None:
    report = report_of(
        [(f"s{i:02d}", 0.0, 0.0, 168.0 - i, 0.0, 0.0, float(i % 7)) for i in range(30)]
    )
    top = metrics.top_downtime(report, 20)
    assert list(top.index) == list(range(1, 21))
    assert (top["downtime_last_week_h"] > 0).all()
    assert top["downtime_last_week_h"].is_monotonic_decreasing
    # ties are broken by store id
    sixes = top[top["downtime_last_week_h"] == 6.0]["store_id"].tolist()
    assert sixes == sorted(sixes)
    first = top.iloc[0]
    assert first["downtime_share_pct"] == round(
        100
        * first["downtime_last_week_h"]
        / (first["downtime_last_week_h"] + first["uptime_last_week_h"]),
        1,
    )
    assert len(metrics.top_downtime(report_of([("x", 0, 0, 5, 0, 0, 0)]))) == 0


def test_rejects_table_orders_by_frequency() -> None:
    rejects = pd.DataFrame(
        {
            "source_file": ["a.csv", "b.csv", "a.csv"],
            "reason": ["empty store_id", "unknown status '...'", "invalid timestamp '...'"],
            "rows_rejected": [1, 7, 7],
            "first_line": [3, 2, 9],
        }
    )
    table = metrics.rejects_table(rejects)
    assert table["rows_rejected"].tolist() == [7, 7, 1]
    assert table["source_file"].tolist() == ["a.csv", "b.csv", "a.csv"]


def test_uptime_share_is_one_rule_for_tables_and_charts():
    from storemon.analysis import plots

    report = pd.DataFrame(
        {
            "store_id": ["a", "b", "c"],
            "uptime_last_week": [3.0, 0.0, 2.0],
            "downtime_last_week": [1.0, 0.0, 1.0],
        }
    )
    share = metrics.uptime_share(report)
    assert list(share.index) == ["a", "b", "c"]
    assert share["a"] == 75.0 and share["c"] == 66.7 and pd.isna(share["b"])
    exact = plots.uptime_share(report)
    assert list(exact.index) == ["a", "c"] and exact["c"] == 200 / 3
