"""A trend's business time (read off each store's week) equals the report's (its merged spans).

A report counts business time with ``business_ticks`` over ``report_business_spans``: every
date's hours mapped to UTC through the zone's offsets and merged. A trend reads it off the week
instead (``trend_business``, ``store_business_ticks``). Both are business time only through their
differences B(b) - B(a); here they must agree, to the tick, at instants all over a report's
window: on generated fleets (overnight hours, days of several spans, stores open all day) whose
weeks hold the US fall-back and spring-forward changes, the instants crowded around each change,
and on the random data sets of the reference tests (30-minute and odd offsets, clock changes).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cases import write_dataset
from hypothesis import given
from test_random_vs_reference import scenarios
from test_trend_random import random_settings

from storemon.engine import db
from storemon.engine.load import load_folder
from storemon.engine.report import parse_as_of, prepare_report
from storemon.errors import StoremonError
from storemon.synthetic.generate import generate

US_US = 1_000_000
HOUR_US = 3600 * US_US
# A week that ends after a change of offset in the US zones (UTC instants of the changes).
WEEKS = {
    "fall back": (datetime(2024, 11, 7, 12), [datetime(2024, 11, 3, h) for h in (6, 9)]),
    "spring forward": (datetime(2025, 3, 12, 12), [datetime(2025, 3, 9, h) for h in (7, 10)]),
}


def epoch_us(instant: datetime) -> int:
    return int(instant.replace(tzinfo=timezone.utc).timestamp()) * US_US


@pytest.fixture(scope="module", params=list(WEEKS), ids=list(WEEKS))
def week(request, tmp_path_factory):
    """A generated fleet loaded in memory and a report prepared as of the end of its week."""
    as_of, changes = WEEKS[request.param]
    folder = tmp_path_factory.mktemp("fleet")
    generate(folder, stores=250, days=9, end=as_of.replace(tzinfo=timezone.utc), seed=11)
    con = db.connect()
    load_folder(con, folder)
    prepare_report(con, as_of, "nearest")
    yield con, changes
    con.close()


def probes(con, changes: list[datetime]) -> pd.DataFrame:
    """Every store's instants: the window's ends, on the hour and at random, near each change."""
    clock = con.execute("select week_start_us, now_us from report_clock").fetchone()
    lo, hi = clock
    stores = con.execute(
        "select store_key from stores, report_clock where first_us <= now_us order by 1"
    ).fetchnumpy()["store_key"]
    rng = np.random.default_rng(5)
    near = [epoch_us(c) + step * 60 * US_US for c in changes for step in range(-90, 91, 7)]
    fixed = np.array([lo, hi, *range(lo, hi, HOUR_US), *near], dtype=np.int64)
    rows = []
    for store in stores:
        odd = rng.integers(lo, hi, 40, endpoint=True)
        instants = np.concatenate([fixed, odd])
        instants = instants[(instants >= lo) & (instants <= hi)]
        # ticks are half microseconds: odd ticks too
        ticks = 2 * instants + rng.integers(0, 2, len(instants))
        ticks = np.clip(ticks, 2 * lo, 2 * hi)
        rows.append(pd.DataFrame({"store_key": store, "x_hus": ticks}))
    return pd.concat(rows, ignore_index=True).drop_duplicates()


def relative(frame: pd.DataFrame) -> pd.Series:
    """B at each probe minus B at the store's first probe: business time, whatever the origin."""
    frame = frame.sort_values(["store_key", "x_hus"])
    first = frame.groupby("store_key")["b_hus"].transform("first")
    return (frame["b_hus"] - first).set_axis(
        pd.MultiIndex.from_frame(frame[["store_key", "x_hus"]])
    )


def both_business_ticks(con, probed: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """B at the probes as the report reads it (its spans), then as a trend does (its week).

    Each relative to B at the store's first probe; ``trend_business`` runs in between (it drops
    the report's spans).
    """
    con.register("probed", probed)
    try:
        report = con.execute(
            "select store_key, x_hus, b_hus from business_ticks(probed, report_business_spans)"
        ).df()
        db.execute(con, "trend_business")
        trend = con.execute(
            "select store_key, x_hus, b_hus"
            " from store_business_ticks(probed, trend_week_spans, trend_store_segments)"
        ).df()
    finally:
        con.unregister("probed")
    assert len(report) == len(trend) == len(probed)
    expected = relative(report)
    return expected, relative(trend).reindex(expected.index)


def test_business_time_read_off_the_week_equals_the_reports(week):
    con, changes = week
    probed = probes(con, changes)
    assert len(probed) > 250 * 100
    expected, got = both_business_ticks(con, probed)
    differ = expected.index[expected.to_numpy() != got.to_numpy()]
    assert list(differ[:5]) == []
    # the fleet has days of several spans, hours up to midnight, stores open all week, a change
    # of offset in some zone, and business time at the probes
    features = con.execute(
        "select"
        " (select count(*) from (select store_key, day_no from day_spans group by all"
        "  having count(*) > 1)),"
        " (select count(*) from day_spans where hi = (day_no + 1) * 86400000000),"
        " (select count(*) from (select store_key from day_spans group by store_key"
        "  having sum(hi - lo) = 7 * 86400000000))"
    ).fetchone()
    assert min(features) > 0, features
    assert con.execute("select count(*) from trend_store_segments where c_hus <> 0").fetchone()[0]
    assert expected.max() > 0


def test_a_store_has_a_row_per_weekday_its_week_reaches(week):
    con, _ = week
    db.execute(con, "trend_business")
    spans = con.execute("select * from trend_week_spans").df()
    assert not spans.duplicated(["store_key", "lo_hus", "dow"]).any()
    # every weekday of every store finds exactly one span at or before each instant of it
    per_day = spans.groupby(["store_key", "dow"]).size().reset_index()
    stores = con.execute("select count(*) from stores").fetchone()[0]
    assert len(per_day) == 7 * stores
    ordered = spans.sort_values(["store_key", "lo_hus", "dow"])
    for _, group in ordered.drop_duplicates(["store_key", "lo_hus"]).groupby("store_key"):
        starts, nexts = group["lo_hus"].to_numpy(), group["next_lo_hus"].to_numpy()
        assert (nexts[:-1] == starts[1:]).all() and nexts[-1] == 7 * 24 * 2 * HOUR_US
        lengths = (group["hi_hus"] - group["lo_hus"]).to_numpy()
        assert (np.diff(group["before_lo_hus"].to_numpy()) == lengths[:-1]).all()
        assert group["week_hus"].iloc[0] == lengths.sum()


@random_settings(int(os.environ.get("STOREMON_RANDOM_EXAMPLES", "30")))
@given(scenarios())
def test_business_time_agrees_on_random_data_sets(scenario: tuple) -> None:
    """The data sets of the random reference tests: zones with 30-minute and odd offsets, clock
    changes in the week, hours past midnight, stores without hours or zones; every 7 minutes."""
    data, as_of, method = scenario
    with tempfile.TemporaryDirectory() as folder:
        con = db.connect()
        try:
            load_folder(con, write_dataset(data, Path(folder)))
            try:
                prepare_report(con, parse_as_of(as_of), method)
            except StoremonError:
                return  # no poll as of as_of: no report, no business time to compare
            lo, hi = con.execute("select week_start_us, now_us from report_clock").fetchone()
            keys = con.execute(
                "select store_key from stores, report_clock where first_us <= now_us"
            ).fetchnumpy()["store_key"]
            instants = np.arange(2 * lo, 2 * hi + 1, 2 * 7 * 60 * US_US + 1)
            probed = pd.DataFrame(
                {
                    "store_key": np.repeat(keys, len(instants)),
                    "x_hus": np.tile(instants, len(keys)),
                }
            )
            expected, got = both_business_ticks(con, probed)
            assert (expected.to_numpy() == got.to_numpy()).all()
        finally:
            con.close()
