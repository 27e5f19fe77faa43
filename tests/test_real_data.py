"""The public sample of the real exports (../shared/data/real), when it is there: it loads, the
report runs, and every id comes out exactly as it went in (no float ever touches an id)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from cases import report_differences
from conftest import REAL_DATA
from reference import compute_reference

from storemon import compute_report
from storemon.engine import db
from storemon.engine.load import load_folder

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


@pytest.mark.parametrize("method", ["nearest", "carry_forward"])
def test_real_single_store_history_matches_the_reference(tmp_path, method):
    """The one full store history of the sample, with the complete real hours and zones."""
    folder = tmp_path / "single"
    folder.mkdir()
    source = REAL_DATA / "2023"
    shutil.copy(
        source / "store_status_single_store_257406274356679.csv", folder / "store_status.csv"
    )
    shutil.copy(source / "menu_hours.csv", folder)
    shutil.copy(source / "store_timezone.csv", folder)
    engine = compute_report(folder, method=method)

    def rows(name: str) -> pd.DataFrame:
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        return frame[frame["store_id"] == "257406274356679"]

    reference = compute_reference(
        rows("store_status.csv"), rows("menu_hours.csv"), rows("store_timezone.csv"), method=method
    )
    assert report_differences(engine, reference) == []
