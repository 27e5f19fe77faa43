"""The report's HTML copy reads like the dashboard: labels, separators, a sentence for nothing."""

from __future__ import annotations

import pandas as pd

from storemon.analysis import display, metrics


def report_of(rows: list[tuple]) -> pd.DataFrame:
    columns = ["store_id", "uptime_last_hour", "uptime_last_day", "uptime_last_week"]
    columns += ["downtime_last_hour", "downtime_last_day", "downtime_last_week"]
    return pd.DataFrame(rows, columns=columns)


REPORT = report_of(
    [
        ("a", 60.0, 20.0, 1200.5, 0.0, 4.0, 300.25),
        ("b", 0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
        ("c", 0.0, 0.0, 10.0, 0.0, 0.0, 2.0),
    ]
)


def test_headline_is_the_fleet_summary_with_labels():
    shown = display.headline(REPORT, None)
    share = 100 * (1200.5 + 10) / (1200.5 + 10 + 300.25 + 168 + 2)
    assert f"{share:.1f} %" in shown and "Fleet uptime, last week" in shown
    assert shown.split("Down all week")[1].split("</div>")[1].endswith(">1")  # b
    assert "1,210 of 1,681 business hours" in shown  # thousands separators


def test_tables_have_human_labels_and_separators():
    shown = display.fleet(metrics.fleet_uptime(REPORT))
    assert "uptime share (%)" in shown and "uptime_share_pct" not in shown
    assert "1,210.5" in shown and "last week" in shown
    top = display.top_downtime(metrics.top_downtime(REPORT))
    assert "downtime last week (h)" in top and ">b<" not in top  # b is listed apart
    assert "<b>1 store was down all week</b>" in display.down_all_week(REPORT)


def test_an_empty_table_is_a_sentence():
    rejects = pd.DataFrame(columns=["source_file", "reason", "rows_rejected", "first_line"])
    shown = display.rejects(rejects)
    assert shown == "<p>No input row was rejected: every row of the three files was loaded.</p>"
    assert "<table" not in display.movers(metrics.trend_movers(pd.DataFrame(
        {"store_id": [], "period_end": [], "uptime": [], "downtime": []}
    )))  # fmt: skip
    assert display.down_all_week(REPORT.iloc[[0]]) == "<p>No store was down all week.</p>"
