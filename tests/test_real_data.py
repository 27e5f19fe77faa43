"""The public sample of the real exports (../shared/data/real), when it is there: it loads, the
report runs, and every id comes out exactly as it went in (no float ever touches an id)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import REAL_DATA

from storemon import compute_report, db
from storemon.load import load_folder

pytestmark = pytest.mark.skipif(not REAL_DATA.is_dir(), reason="../shared/data/real is absent")


def status_ids(folder: Path) -> set[str]:
    ids: set[str] = set()
    for path in folder.glob("store_status*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as stream:
            ids |= {row["store_id"] for row in csv.DictReader(stream)}
    return ids


@pytest.mark.parametrize("variant", ["2023", "2024"])
def test_real_export_loads_and_reports_with_ids_unchanged(variant):
    folder = REAL_DATA / variant
    con = db.connect()
    summary = load_folder(con, folder)
    assert summary.rejects_by_reason == {}  # the real exports are clean
    report = compute_report(folder)
    assert set(report["store_id"]) == status_ids(folder)
    assert report["store_id"].is_monotonic_increasing
    business = report[["uptime_last_week", "downtime_last_week"]].sum(axis=1)
    assert (business <= 168.01).all() and (report.iloc[:, 1:] >= 0).all().all()
