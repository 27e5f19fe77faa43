"""Random data sets (hypothesis): the extrapolated time against a brute-force count.

``extrapolated_time.sql`` finds the unions of the observations' neighbourhoods [t - reach,
t + reach] with one sort of each store's observations. The count here reads the same report's
observations and business spans and measures, piece by piece, the business time of each window
that no neighbourhood holds: every breakpoint of the window, the spans and the neighbourhoods,
and one membership test per piece between them.
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

import pytest
from cases import write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_random_vs_reference import scenarios

from storemon.engine import db
from storemon.engine.report import parse_as_of, read_snapshot, report_from_connection

TICKS_PER_HOUR = 7_200_000_000  # ticks are half-microseconds, as in report_*
WINDOWS = {"last_hour": 3_600_000_000, "last_day": 86_400_000_000, "last_week": 604_800_000_000}
# From one microsecond (almost nothing vouched) to a day (neighbourhoods that always overlap).
REACHES = [1, 1_800_000_000, 7_200_000_000, 86_400_000_000]


def brute_force(con, reach_us: int) -> dict[tuple[int, str], tuple[Fraction, Fraction]]:
    """(store_key, window) -> (business, extrapolated) hours, for windows with business time."""
    now_us = con.execute("select now_us from report_clock").fetchone()[0]
    spans: dict[int, list[tuple[int, int]]] = {}
    span_rows = con.execute("select store_key, lo_hus, hi_hus from report_business_spans")
    for key, lo, hi in span_rows.fetchall():
        spans.setdefault(key, []).append((lo, hi))
    polls: dict[int, list[int]] = {}
    poll_rows = con.execute("select store_key, t_us from report_polls where observed")
    for key, t_us in poll_rows.fetchall():
        polls.setdefault(key, []).append(t_us)
    counted = {}
    for key, store_spans in spans.items():
        near = [(2 * (t - reach_us), 2 * (t + reach_us)) for t in polls.get(key, [])]
        for window, length_us in WINDOWS.items():
            w_lo, w_hi = 2 * (now_us - length_us), 2 * now_us
            business = far = 0
            for lo, hi in store_spans:
                a, b = max(lo, w_lo), min(hi, w_hi)
                if a >= b:
                    continue
                business += b - a
                cuts = sorted({a, b, *(x for pair in near for x in pair if a < x < b)})
                for left, right in zip(cuts, cuts[1:], strict=False):
                    middle = Fraction(left + right, 2)
                    if not any(n_lo <= middle <= n_hi for n_lo, n_hi in near):
                        far += right - left
            if business:
                counted[(key, window)] = (
                    Fraction(business, TICKS_PER_HOUR),
                    Fraction(far, TICKS_PER_HOUR),
                )
    return counted


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run and machine
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios(), st.sampled_from(REACHES))
def test_extrapolated_time_matches_brute_force(scenario, reach_us: int) -> None:
    data, as_of, method = scenario

    def read(con):
        report_from_connection(con, parse_as_of(as_of), method)
        rows = db.run_query(con, "extrapolated_time", reach_us=reach_us)
        return rows, brute_force(con, reach_us)

    with tempfile.TemporaryDirectory() as folder:
        rows, counted = read_snapshot(write_dataset(data, Path(folder)), read)
    got = {
        (row.store_key, row.report_window): (row.business_hours, row.extrapolated_hours)
        for row in rows.itertuples()
    }
    assert set(got) == set(counted)
    for key, (business, far) in counted.items():
        # the engine divides exact integers once: the double nearest the exact value
        assert got[key] == (float(business), float(far)), (key, got[key], business, far)
