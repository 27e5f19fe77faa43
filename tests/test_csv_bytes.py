"""The report's CSV bytes are pandas' own (``to_csv(float_format="%.2f")``), whatever the rows.

``storemon.engine.csv_text`` writes whole hundredths and plain text itself, and leaves anything
else to pandas; either way the bytes must be the ones pandas writes.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from storemon.config import REPORT_COLUMNS
from storemon.engine.csv_text import csv_bytes, hundredths
from storemon.engine.report import report_csv_bytes

FIGURES = REPORT_COLUMNS[1:]


def pandas_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, float_format="%.2f", lineterminator="\n").encode("utf-8")


figures = st.one_of(
    st.integers(0, 20_000).map(lambda k: k / 100),  # what a report holds
    st.integers(0, 10**12).map(lambda k: k / 100),  # past the table of texts
    st.floats(allow_nan=True, allow_infinity=True),  # anything else
    st.just(-0.0),
)
ids = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=20),
    st.text(max_size=8),  # commas, quotes, new lines, nothing at all
)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(ids, *[figures] * len(FIGURES)), max_size=12),
    only_hundredths=st.booleans(),
)
def test_csv_bytes_are_pandas_bytes(rows, only_hundredths) -> None:
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS).astype({c: float for c in FIGURES})
    if only_hundredths:  # mostly the fast path: figures a report can hold
        frame[FIGURES] = frame[FIGURES].map(
            lambda v: round(abs(v), 2) % 1000 if math.isfinite(v) else 0.0
        )
    assert csv_bytes(frame) == pandas_bytes(frame)


def test_a_report_takes_the_fast_path_and_keeps_its_bytes() -> None:
    frame = pd.DataFrame(
        {
            "store_id": ["7", "12", "003"],
            **{c: [0.0, 60.0, 167.99] for c in FIGURES},
        }
    )
    assert all(hundredths(frame[c]) is not None for c in FIGURES)
    assert report_csv_bytes(frame) == pandas_bytes(frame)
    assert report_csv_bytes(frame).splitlines()[2] == b"12" + b",60.00" * len(FIGURES)


def test_what_is_not_hundredths_is_left_to_pandas() -> None:
    for values in ([0.1 + 0.2], [float("nan")], [-0.0], [-1.5], [math.inf]):
        assert hundredths(pd.Series(values)) is None
