"""A report's outages from the links the load keeps equal those from ordering every observation.

report_outages builds the runs of a store observed in business hours from the edges of its
linked instants (each hot instant in hours knows the previous one: prev_packed; those read
without a link, from the archive or before the look-back, are ordered among themselves), and
those of the other stores by ordering their observations (the macro outage_runs). The runs must
be those of outage_runs over every observation, for any instant, method and span: on
real DuckDB files loaded with a short and a long retention (so a store's last observation before
the look-back comes from its hot days or from the archive, and archived days bring the links
they kept), and with late polls added to an archived day, with a store silent for a week and a
store first polled in the middle of the data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cases import drop_folder, load_property
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
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same fleet loaded with every poll hot ("hot"), with 10 days hot ("archive"), and with 10
    days hot where the evening of an archived day came late, in a second load ("late": the
    kept links across it no longer hold)."""
    folder = tmp_path_factory.mktemp("links")
    generate(folder, stores=12, days=DAYS, start=START.isoformat() + "Z", seed=11)
    polls = pd.read_csv(folder / "store_status.csv", dtype=str)
    when = pd.to_datetime(polls["timestamp_utc"].str.removesuffix(" UTC"), format="mixed")
    stores = sorted(polls["store_id"].unique())
    silent = (polls["store_id"] == stores[0]) & when.between(
        START + timedelta(days=4), START + timedelta(days=12, hours=5)
    )
    late = (polls["store_id"] == stores[1]) & (when < START + timedelta(days=10, hours=13))
    polls, when = polls[~(silent | late)], when[~(silent | late)]
    polls.to_csv(folder / "store_status.csv", index=False)
    found = {}
    for name, retention in (("archive", 10), ("hot", 10_000)):
        found[name] = tmp_path_factory.mktemp("db") / "storemon.duckdb"
        ingest(folder, found[name], options=LoadOptions(retention_days=retention))
    evening = when.between(START + timedelta(days=3, hours=12), START + timedelta(days=4))
    drops = drop_folder(tmp_path_factory.mktemp("late"), folder)
    found["late"] = drops.parent / "storemon.duckdb"
    for n, part in enumerate((polls[~evening], polls[evening])):
        part.to_csv(drops / f"store_status_{n}.csv", index=False)
        ingest(drops, found["late"], options=LoadOptions(retention_days=10))
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
    source=st.sampled_from(["archive", "hot", "late"]),
    minutes=st.integers(0, DAYS * 24 * 60),
    method=st.sampled_from(["nearest", "carry_forward"]),
    weeks=st.sampled_from([1, 2]),
)
# a store inactive since before the look-back, observed just before the week: its run is open
@example(source="hot", minutes=15011, method="nearest", weeks=1)
# the silent store: its status at the week's start is its last one before the look-back
@example(source="hot", minutes=14453, method="carry_forward", weeks=1)
def test_outages_from_links_equal_those_from_ordered_observations(
    databases: dict[str, Path], source: str, minutes: int, method: str, weeks: int
):
    as_of = START + timedelta(minutes=minutes)
    with db.connect(databases[source], read_only=True) as con:
        prepare_report(con, as_of, method, span_us=weeks * WEEK_US)
        linked = outages(con)
        assert linked == sorted(con.execute(ORDERED, [method]).fetchall())


def test_a_hot_week_reads_its_links_and_a_silent_store_its_last_status(
    databases: dict[str, Path],
):
    """A week inside the hot days reads no archive, so its runs come from the links, and the
    store silent since before the hot days (its last observation archived) is among those whose
    status at the week's start comes from before it."""
    as_of = START + timedelta(days=DAYS - 0.2)
    with db.connect(databases["archive"], read_only=True) as con:
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


def test_archived_days_read_their_kept_links_until_a_late_poll_changes_one(
    databases: dict[str, Path],
):
    """Two weeks back reach the archived days: their kept instants bring their links, but after
    a late poll changed an archived day, the links kept before it are not read (a link made
    before may skip the instant the poll added)."""
    as_of = START + timedelta(days=DAYS - 0.2)
    counts = {}
    for source in ("archive", "late"):
        with db.connect(databases[source], read_only=True) as con:
            prepare_report(con, as_of, "nearest", span_us=2 * WEEK_US)
            counts[source] = con.execute(
                "select count(*), count(prev_packed) from kept_instants"
            ).fetchone()
            stale_from = con.execute("select max(from_us) from archive_links").fetchone()[0]
            cutoff = con.execute("select cutoff_us from hot_window").fetchone()[0]
        assert (stale_from is None) == (source == "archive")
    kept, linked = counts["archive"]
    assert 0 < linked < kept  # all but each store's first in the read range and first in hours
    kept, linked = counts["late"]
    assert kept > 0
    assert linked == 0  # every kept day is before the hot cutoff of the late load
    assert stale_from == cutoff
