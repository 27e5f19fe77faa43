"""A first load makes one instant of the polls a store has at the same instant, and links it.

Into a database that holds no instant yet, one window both makes one row per store and instant
(several polls of one instant are one; if they disagree, inactive wins) and links each instant
in business hours to the store's previous one (``prev_packed``: 2 * microseconds + 1 if active).
Checked against a by-hand count on random polls drawn from a few instants, so that an instant
is often polled two or three times, agreeing or not, in business hours and out of them, one
repeated instant right after another; into a database file (instants kept in time order) and
into memory (a folder read for one report).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cases import Dataset, load_property, write_dataset
from hypothesis import example, given
from hypothesis import strategies as st

from storemon.engine import db
from storemon.engine.load import load_folder

ZONE = "America/Chicago"
START = datetime(2024, 1, 8, 0, 30, tzinfo=timezone.utc)  # no clock change in the days drawn
OPEN, CLOSE = 9, 17  # local business hours, every day
STORES = ("a", "b", "c")
QUERY = (
    "select s.store_id, p.t_us, p.active, p.in_hours, p.prev_packed from poll_instants p "
    "join stores s using (store_key) order by all"
)

polls = st.lists(
    st.tuples(
        st.sampled_from(STORES),
        st.integers(0, 47),  # the hour, from START: two days
        st.booleans(),  # active
        st.booleans(),  # written with microseconds, or without
    ),
    min_size=1,
    max_size=60,
)


def by_hand(drawn: list[tuple[str, int, bool, bool]]) -> list[tuple]:
    """The rows poll_instants must hold: one per store and instant, linked in hours."""
    status: dict[tuple[str, int], bool] = {}
    for store, hour, active, _ in drawn:
        status[store, hour] = status.get((store, hour), True) and active
    rows, previous = [], {}
    for store, hour in sorted(status):
        when = START + timedelta(hours=hour)
        t_us = int(when.timestamp()) * 1_000_000
        in_hours = OPEN <= when.astimezone(ZoneInfo(ZONE)).hour < CLOSE
        prev = previous.get(store) if in_hours else None
        if in_hours:
            previous[store] = 2 * t_us + int(status[store, hour])
        rows.append((store, t_us, status[store, hour], in_hours, prev))
    return sorted(rows, key=lambda row: tuple((v is None, v) for v in row))


def dataset(drawn: list[tuple[str, int, bool, bool]]) -> Dataset:
    data = Dataset()
    for store in STORES:
        data.zone(store, ZONE)
        for day in range(7):
            data.hour_row(store, day, f"{OPEN:02}:00:00", f"{CLOSE:02}:00:00")
    for store, hour, active, micro in drawn:
        when = START + timedelta(hours=hour)
        text = when.strftime("%Y-%m-%d %H:%M:%S" + (".000000" if micro else "")) + " UTC"
        data.poll(store, text, "active" if active else "inactive")
    return data


def first_load(folder: Path, database: Path | None) -> list[tuple]:
    con = db.connect(str(database)) if database else db.connect()
    try:
        load_folder(con, folder)
        return con.execute(QUERY).fetchall()
    finally:
        con.close()


@pytest.mark.slow
@load_property(40)
@example(  # three polls at one in-hours instant, then two disagreeing, then one out of hours
    [
        ("a", 16, True, False),
        ("a", 16, False, True),
        ("a", 16, True, True),
        ("a", 17, True, False),
        ("a", 17, False, False),
        ("a", 18, True, True),
        ("a", 2, False, False),
        ("a", 2, True, True),
    ]
)
@given(drawn=polls)
def test_a_first_load_makes_one_linked_instant_of_repeated_polls(
    tmp_path_factory: pytest.TempPathFactory, drawn: list[tuple[str, int, bool, bool]]
):
    folder = write_dataset(dataset(drawn), tmp_path_factory.mktemp("polls"))
    expected = by_hand(drawn)
    into_file = first_load(folder, folder / "storemon.duckdb")
    assert sorted(into_file, key=lambda row: tuple((v is None, v) for v in row)) == expected
    in_memory = first_load(folder, None)
    assert sorted(in_memory, key=lambda row: tuple((v is None, v) for v in row)) == expected
