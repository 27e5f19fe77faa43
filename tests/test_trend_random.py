"""Random data sets (hypothesis): every trend point equals the reference report as of its end.

The data sets are those of test_random_vs_reference.py (DST changes, random and overnight hours,
stores without hours or zones, polls minutes to a day apart, duplicates); each example adds a
window and a number of periods, so that period ends fall anywhere between polls, before a
store's first poll and before its first poll in business hours. The same data sets are also
loaded in two random drops into a database keeping one day hot, so that the trend reads the
Parquet archive's kept instants, and late polls change archived days.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from cases import write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_random_vs_reference import scenarios
from trendkit import reference_trend, trend_differences

from storemon import compute_trend
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest


@st.composite
def trend_scenarios(draw: st.DrawFn) -> tuple:
    """(data set, as_of, method, window, periods)."""
    data, as_of, method = draw(scenarios())
    window = draw(st.sampled_from(["day", "week"]))
    periods = draw(st.integers(1, 5 if window == "day" else 2))
    return data, as_of, method, window, periods


@st.composite
def archived_trend_scenarios(draw: st.DrawFn) -> tuple:
    """(trend scenario, which polls come in the first of two drops)."""
    scenario = draw(trend_scenarios())
    count = len(scenario[0].polls)
    return scenario, draw(st.lists(st.booleans(), min_size=count, max_size=count))


def check_trend_over_archive(scenario: tuple, first_drop: list[bool]) -> None:
    """Load the scenario's polls in two drops into a database keeping 1 day hot (the rest in
    the Parquet archive, with its kept instants; the second drop adds polls to archived days)
    and compute its trend there; it must equal the reference's."""
    data, as_of, method, window, periods = scenario
    drops = [
        [poll for poll, first in zip(data.polls, first_drop, strict=True) if first == wanted]
        for wanted in (True, False)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_dataset(replace(data, polls=drops[0]), Path(tmp, "data"))
        database = Path(tmp, "storemon.duckdb")
        ingest(folder, database, options=LoadOptions(retention_days=1))
        later = write_dataset(replace(data, polls=drops[1]), Path(tmp, "later"))
        (later / "store_status.csv").rename(folder / "store_status_later.csv")
        ingest(folder, database, options=LoadOptions(retention_days=1))
        engine = compute_trend(database, as_of, window, periods, method)
    assert_equals_reference(engine, scenario)


def check_trend(scenario: tuple) -> None:
    """Compute the scenario's trend on its CSV folder; it must equal the reference's."""
    data, as_of, method, window, periods = scenario
    with tempfile.TemporaryDirectory() as folder:
        engine = compute_trend(write_dataset(data, Path(folder)), as_of, window, periods, method)
    assert_equals_reference(engine, scenario)


def assert_equals_reference(engine: pd.DataFrame, scenario: tuple) -> None:
    """The engine's trend of a scenario must equal the reference's, point by point."""
    data, as_of, method, window, periods = scenario
    problems = trend_differences(engine, reference_trend(data, as_of, window, periods, method))
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


@random_settings(4)
@given(trend_scenarios())
def test_trend_matches_reference_on_a_few_random_data_sets(scenario: tuple) -> None:
    check_trend(scenario)


@pytest.mark.slow
@random_settings(int(os.environ.get("STOREMON_RANDOM_EXAMPLES", "100")))
@given(trend_scenarios())
def test_trend_matches_reference_on_random_data(scenario: tuple) -> None:
    check_trend(scenario)


@random_settings(4)
@given(archived_trend_scenarios())
def test_trend_over_the_archive_matches_reference_on_a_few_random_data_sets(
    archived: tuple,
) -> None:
    check_trend_over_archive(*archived)


@pytest.mark.slow
@random_settings(int(os.environ.get("STOREMON_RANDOM_EXAMPLES", "100")) // 2)
@given(archived_trend_scenarios())
def test_trend_over_the_archive_matches_reference_on_random_data(archived: tuple) -> None:
    check_trend_over_archive(*archived)
