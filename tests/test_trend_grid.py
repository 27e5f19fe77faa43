"""The trend's grid: its rounding is the report's, and its page advice is put back as it was.

Every point of a trend is compared with the brute-force reference in test_trend.py; here the
two pieces of :mod:`storemon.engine.trend_grid` that no data set reaches at its edges: the
rounding of exact ticks on the half-hundredth boundaries, against DuckDB's own macro, and the
switch of NumPy's huge-page advice, nested and from several threads at once.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from storemon.engine import db
from storemon.engine.trend_grid import HOUR_HUNDREDTH_HUS, hundredths_half_up, small_pages

MINUTE_HUNDREDTH_HUS = 1_200_000


@pytest.mark.parametrize("unit", [HOUR_HUNDREDTH_HUS, MINUTE_HUNDREDTH_HUS])
def test_rounding_equals_the_reports_macro_on_every_boundary(unit: int) -> None:
    hundredths = np.arange(0, 20_000, 7, dtype=np.int64)
    half = hundredths * unit + unit // 2
    weeks = 2 * 7 * 86_400_000_000 * np.arange(0, 60, dtype=np.int64)
    ticks = np.concatenate([hundredths * unit, half - 1, half, half + 1, weeks, weeks + 1])
    con = db.connect()
    try:
        expected = con.execute(
            "select hundredths_half_up(unnest($ticks), $unit)",
            {"ticks": ticks.tolist(), "unit": unit},
        ).fetchnumpy()
    finally:
        con.close()
    rounded = hundredths_half_up(ticks.copy(), unit)
    assert rounded.dtype == np.float64
    np.testing.assert_array_equal(rounded, next(iter(expected.values())))
    assert rounded[len(hundredths)] == 0.0  # just under half a hundredth rounds down
    assert rounded[2 * len(hundredths)] == 0.01  # exactly half a hundredth rounds up


_READING = threading.Lock()
_SWITCH = (getattr(np, "_core", None) or np.core).multiarray._set_madvise_hugepage


def _advice() -> bool:
    """NumPy's huge-page advice now (reading it means setting it: set it back)."""
    with _READING:
        now = _SWITCH(True)
        _SWITCH(now)
    return now


@pytest.mark.parametrize("advice", [True, False])
def test_huge_page_advice_is_off_while_cutting_and_put_back(advice: bool) -> None:
    before = _SWITCH(advice)
    try:
        with small_pages():
            assert _advice() is False
            with small_pages():
                assert _advice() is False
            assert _advice() is False
        assert _advice() is advice
        with pytest.raises(RuntimeError), small_pages():
            raise RuntimeError("a cut that fails")
        assert _advice() is advice
    finally:
        _SWITCH(before)


def test_overlapping_cuts_in_threads_restore_the_advice_once_all_end() -> None:
    before = _advice()
    inside = threading.Barrier(4)
    seen: list[bool] = []

    def cut() -> None:
        with small_pages():
            inside.wait(timeout=10)  # all four cuts are running at once
            seen.append(_advice())
            inside.wait(timeout=10)

    threads = [threading.Thread(target=cut) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == [False] * 4
    assert _advice() is before
