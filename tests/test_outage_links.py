"""A report's outages from the links the load keeps equal those from ordering every observation.

report_outages builds the runs of a store observed in business hours from the edges of its
linked instants (each hot instant in hours knows the previous one: prev_packed; those read
without a link, from the archive or before the look-back, are ordered among themselves), and
those of the other stores by ordering their observations (the macro outage_runs). The runs must
be those of outage_runs over every observation, for any instant, method and span: on
real DuckDB files loaded with a short and a long retention (so a store's last observation before
the look-back comes from its hot days or from the archive), with a store silent for a week and
a store first polled in the middle of the data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cases import load_property
from hypothesis import example, given
from hypothesis import strategies as st

from storemon.engine import db
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.report import WEEK_US, prepare_report
from storemon.synthetic.generate import generate

START = datetime(2024, 10, 20)  # 16 days over the US fall-back change (3 November)
DAYS = 16


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The same fleet loaded with 10 days hot and with every poll hot, by retention in days."""
    folder = tmp_path_factory.mktemp("links")
    generate(folder, stores=12, days=DAYS, start=START.isoformat() + "Z", seed=11)
    polls = pd.read_csv(folder / "store_status.csv", dtype=str)
    when = pd.to_datetime(polls["timestamp_utc"].str.removesuffix(" UTC"), format="mixed")
    stores = sorted(polls["store_id"].unique())
    silent = (polls["store_id"] == stores[0]) & when.between(
        START + timedelta(days=4), START + timedelta(days=12, hours=5)
    )
    late = (polls["store_id"] == stores[1]) & (when < START + timedelta(days=10, hours=13))
    polls[~(silent | late)].to_csv(folder / "store_status.csv", index=False)
    found = {}
    for retention in (10, 10_000):
        database = tmp_path_factory.mktemp("db") / "storemon.duckdb"
        ingest(folder, database, options=LoadOptions(retention_days=retention))
        found[retention] = database
    return found


# The runs of every observation the report read, ordered: what report_outages did before links.
ORDERED = """
    with observations as (
        select store_key, 2 * t_us + active::bigint as packed from report_polls where observed
    )
    select store_key, run_lo_hus, run_hi_hus, first_us, next_us
    from outage_runs(observations, ?, report_clock)
"""


def outages(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select store_key, run_lo_hus, run_hi_hus, first_us, next_us from report_outages "
        "order by all"
    ).fetchall()


@load_property(60)
@given(
    retention=st.sampled_from([10, 10_000]),
    minutes=st.integers(0, DAYS * 24 * 60),
    method=st.sampled_from(["nearest", "carry_forward"]),
    weeks=st.sampled_from([1, 2]),
)
# a store inactive since before the look-back, observed just before the week: its run is open
@example(retention=10_000, minutes=15011, method="nearest", weeks=1)
# the silent store: its status at the week's start is its last one before the look-back
@example(retention=10_000, minutes=14453, method="carry_forward", weeks=1)
def test_outages_from_links_equal_those_from_ordered_observations(
    databases: dict[int, Path], retention: int, minutes: int, method: str, weeks: int
):
    as_of = START + timedelta(minutes=minutes)
    with db.connect(databases[retention], read_only=True) as con:
        prepare_report(con, as_of, method, span_us=weeks * WEEK_US)
        linked = outages(con)
        assert linked == sorted(con.execute(ORDERED, [method]).fetchall())


def test_a_hot_week_reads_its_links_and_a_silent_store_its_last_status(
    databases: dict[int, Path],
):
    """A week inside the hot days reads no archive, so its runs come from the links, and the
    store silent since before the hot days (its last observation archived) is among those whose
    status at the week's start comes from before it."""
    as_of = START + timedelta(days=DAYS - 0.2)
    with db.connect(databases[10], read_only=True) as con:
        prepare_report(con, as_of, "nearest")
        archived = con.execute("select count(*) from archive_instants").fetchone()[0]
        cold = con.execute("select min(t_us) from poll_instants").fetchone()[0]
        lo_us = con.execute("select getvariable('report_lo_us')").fetchone()[0]
        needy = con.execute(
            "select count(*) from report_needy join report_older_instants using (store_key) "
            "where report_older_instants.t_us < $cold",
            {"cold": cold},
        ).fetchone()[0]
    assert archived == 0
    assert lo_us >= cold
    assert needy > 0
