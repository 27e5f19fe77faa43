"""Random data sets (hypothesis): every trend point equals the reference report as of its end.

The data sets are those of test_random_vs_reference.py (DST changes, random and overnight hours,
stores without hours or zones, polls minutes to a day apart, duplicates); each example adds a
window and a number of periods, so that period ends fall anywhere between polls, before a
store's first poll and before its first poll in business hours.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from cases import write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_random_vs_reference import scenarios
from trendkit import reference_trend, trend_differences

from storemon import compute_trend


@st.composite
def trend_scenarios(draw: st.DrawFn) -> tuple:
    """(data set, as_of, method, window, periods)."""
    data, as_of, method = draw(scenarios())
    window = draw(st.sampled_from(["day", "week"]))
    periods = draw(st.integers(1, 5 if window == "day" else 2))
    return data, as_of, method, window, periods


def check_trend(scenario: tuple) -> None:
    """Compute the scenario's trend on its CSV folder; it must equal the reference's."""
    data, as_of, method, window, periods = scenario
    reference = reference_trend(data, as_of, window, periods, method)
    with tempfile.TemporaryDirectory() as folder:
        engine = compute_trend(write_dataset(data, Path(folder)), as_of, window, periods, method)
    problems = trend_differences(engine, reference)
    assert not problems, f"as_of={as_of} {window} x{periods} {method}\n" + "\n".join(problems)


def random_settings(examples: int) -> settings:
    """Hypothesis settings: ``examples`` derandomized examples, no deadline."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same examples on every run and machine
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@random_settings(8)
@given(trend_scenarios())
def test_trend_matches_reference_on_a_few_random_data_sets(scenario: tuple) -> None:
    check_trend(scenario)


@pytest.mark.slow
@random_settings(int(os.environ.get("STOREMON_RANDOM_EXAMPLES", "100")))
@given(trend_scenarios())
def test_trend_matches_reference_on_random_data(scenario: tuple) -> None:
    check_trend(scenario)
