"""Every SQL file: documented, used, and its tables keep their grain (unique, non-null keys)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from storemon.engine import db
from storemon.engine.load import KINDS
from storemon.engine.report import prepare_report

SQL_DIR = Path(str(resources.files("storemon.engine").joinpath("sql")))
SQL_FILES = sorted(SQL_DIR.glob("*.sql"))
PACKAGE = Path(str(resources.files("storemon")))
SPEC_HEADER = (  # SPEC.md, "Output"
    "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
    "downtime_last_hour,downtime_last_day,downtime_last_week"
)


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.stem)
def test_sql_file_has_header_with_purpose_grain_and_params(path: Path):
    head = path.read_text(encoding="utf-8").splitlines()[:8]
    assert head[0].startswith(f"-- {path.stem}: "), "first line names the query and its purpose"
    assert any(line.startswith("-- grain: ") for line in head)
    assert any(line.startswith("-- params: ") for line in head)


def queries_run_by_the_package() -> set[str]:
    code = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    named = set(re.findall(r"[\"']([a-z_]+)[\"']", code))
    per_kind = {f"{step}_{kind.name}" for kind in KINDS for step in ("stg", "merge")}
    return named | per_kind


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.stem)
def test_sql_file_is_run_by_the_package(path: Path):
    assert path.stem in queries_run_by_the_package(), f"{path.name} is never run"


@pytest.fixture
def prepared(loaded_2023):
    con, _ = loaded_2023
    prepare_report(con, None, "nearest")
    return con


GRAINS = {
    "stores": ["store_key"],
    "store_zones": ["store_key"],
    "poll_instants": ["store_key", "t_us"],
    "zone_segments": ["zone", "seg_lo"],
    "report_polls": ["store_key", "t_us"],
    "report_outages": ["store_key", "run_lo"],
    "report_business_spans": ["store_key", "lo"],
    "timezones": ["store_id"],
}


@pytest.mark.parametrize(("table", "keys"), GRAINS.items(), ids=list(GRAINS))
def test_grain_keys_are_unique_and_not_null(prepared, table, keys):
    frame = prepared.execute(f"select * from {table}").df()  # noqa: S608 - fixed names
    assert len(frame) > 0
    assert frame[keys].notna().all().all()
    assert not frame.duplicated(keys).any()


def test_spans_are_ordered_and_disjoint(prepared):
    for table, lo, hi in (
        ("report_business_spans", "lo", "hi"),
        ("report_outages", "run_lo", "run_hi"),
        ("zone_segments", "seg_lo", "seg_hi"),
    ):
        key = "zone" if table == "zone_segments" else "store_key"
        frame = prepared.execute(f"select * from {table}").df().sort_values([key, lo])
        assert (frame[lo] < frame[hi]).all(), table
        for _, group in frame.groupby(key):
            assert (group[lo].iloc[1:].to_numpy() >= group[hi].iloc[:-1].to_numpy()).all()


def test_zone_segments_tile_the_time_line(prepared):
    segments = prepared.execute("select * from zone_segments order by zone, seg_lo").df()
    for _, group in segments.groupby("zone"):
        assert group["seg_lo"].iloc[0] == -(2**62) and group["seg_hi"].iloc[-1] == 2**62
        assert (group["seg_lo"].iloc[1:].to_numpy() == group["seg_hi"].iloc[:-1].to_numpy()).all()


def test_store_report_columns_and_order(prepared):
    report = db.run_query(prepared, "store_report")
    assert ",".join(report.columns) == SPEC_HEADER
    assert report["store_id"].is_unique and report["store_id"].notna().all()
    assert list(report["store_id"]) == sorted(report["store_id"])
