"""Realistic synthetic exports: store status polls, business hours and time zones.

The files have the shape and the quirks of the real exports (as profiled from the public
samples), so that ingest and the report meet the same trouble as on real data:

* ``store_status.csv``: about hourly polls per store, near the top of the UTC hour; missing polls,
  multi-hour gaps, stores that start or stop polling in the middle, a few stores with 1-3 polls;
  one fleet-wide polling hole of many hours (placed away from DST changes); outages as runs of
  inactive polls (from an hour to days), stores that go offline outside their business hours;
  near-duplicate polls seconds to minutes apart, some with a conflicting status; 16-19-digit
  ids; ``2023-01-22 12:09:39.388884 UTC`` timestamps with trailing zeros of the fraction
  trimmed; rows in time-ordered blocks that jump in time, like the real file.
* ``menu_hours.csv``: whole days as ``00:00:00-23:59:00`` or ``00:00:00-23:59:59``, late nights
  split at midnight (``18:00:00-23:59:59`` plus ``00:00:00-02:00:00`` on the next day), split
  lunch/dinner shifts, missing weekdays, a few 10-minute "hours", no ``end < start`` rows.
* ``timezones.csv``: a realistic mix of US zones plus rare non-US ones, grouped by zone.
* About 22 % of polled stores have no hours row and about 4.6 % no zone row (those have no hours
  either); about 1 % of the stores are in the hours or zone file but never polled.

Everything is drawn from one seeded generator: the same arguments give the same bytes. The
draws live in :mod:`~storemon.synthetic.fleet` (stores and zones),
:mod:`~storemon.synthetic.hours` (business hours) and :mod:`~storemon.synthetic.polls`.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from storemon.engine import db
from storemon.synthetic.fleet import draw_fleet, hours_rows, zone_rows
from storemon.synthetic.hours import DAY, HOUR
from storemon.synthetic.polls import draw_polls, draw_window

log = logging.getLogger(__name__)

DEFAULT_STORES = 14_092
DEFAULT_DAYS = 8
# The end that tests and benchmarks pin for reproducible data (``--end``): the eight days before
# it span the US fall-back DST change of 2024-11-03.
PINNED_END = datetime(2024, 11, 6, tzinfo=timezone.utc)
DAY_COLUMNS = ("dayOfWeek", "day")

# Stores are simulated and written in chunks of this size (memory: one chunk, at any fleet size);
# it is a constant because the output bytes depend on it.
_CHUNK_STORES = 16_384


def generate(
    out_dir: str | Path,
    stores: int = DEFAULT_STORES,
    days: float = DEFAULT_DAYS,
    start: str | datetime | None = None,
    seed: int = 0,
    day_column: str = "dayOfWeek",
    end: str | datetime | None = None,
) -> dict[str, Path]:
    """Write a realistic fleet's ``store_status.csv``, ``menu_hours.csv`` and ``timezones.csv``.

    The defaults give the size of the real 2023 fleet (14,092 polled stores, about 1.85 M polls)
    over the 8 days that end at the start of the current UTC hour, so that fresh data looks
    fresh. Pin ``end`` (or ``start``) for reproducible data: :data:`PINNED_END` gives a window
    that spans the US fall-back DST change.

    Args:
        out_dir: Folder to write into (created if needed); existing files are overwritten.
        stores: Number of polled stores. About 1 % more stores appear only in the hours or
            zone file.
        days: Length of the polling window in days.
        start: First instant of the window: an ISO string (``Z``, an offset, or naive = UTC)
            or a datetime (naive = UTC); the window is then ``days`` from there.
        seed: Seed of the random generator; the same arguments give the same bytes.
        day_column: Name of the weekday column of menu_hours: ``dayOfWeek`` (2024 export)
            or ``day`` (2023 export).
        end: End of the window (no poll at or after it), in the forms of ``start``; the
            window is then the ``days`` before it. Default (neither ``start`` nor ``end``):
            the start of the current UTC hour.

    Returns:
        The written paths by kind: ``store_status``, ``menu_hours``, ``timezones``.

    Raises:
        ValueError: On a non-positive ``stores`` or ``days``, an unknown ``day_column``, both
            ``start`` and ``end``, or an instant that is not one.
    """
    if stores < 1 or days <= 0:
        raise ValueError(f"stores and days must be positive, got stores={stores}, days={days}")
    if day_column not in DAY_COLUMNS:
        raise ValueError(f"day_column must be one of {DAY_COLUMNS}, got {day_column!r}")
    window_start = window_bounds(start, end, days)[0]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fleet_seq, window_seq, polls_seq, hours_seq, zones_seq = np.random.SeedSequence(seed).spawn(5)

    fleet = draw_fleet(np.random.default_rng(fleet_seq), stores)
    window = draw_window(np.random.default_rng(window_seq), window_start, days)
    hours_table = hours_rows(np.random.default_rng(hours_seq), fleet, day_column)
    zone_table = zone_rows(np.random.default_rng(zones_seq), fleet)
    paths = _write_files(out, hours_table, zone_table)
    chunk_seqs = polls_seq.spawn((stores + _CHUNK_STORES - 1) // _CHUNK_STORES)
    chunks = (
        draw_polls(
            np.random.default_rng(chunk_seq), fleet, window, lo, min(lo + _CHUNK_STORES, stores)
        )
        for chunk_seq, lo in zip(chunk_seqs, range(0, stores, _CHUNK_STORES), strict=True)
    )
    n_polls, n_active = _write_polls(paths["store_status"], chunks)

    hole_from, hole_to = (datetime.fromtimestamp(t, timezone.utc) for t in window.hole)
    log.info(
        "generated %d polls of %d stores, %d menu_hours rows, %d timezones rows "
        "(%.1f %% inactive polls; fleet-wide polling hole %s -> %s) in %s",
        n_polls,
        stores,
        len(hours_table),
        len(zone_table),
        100 * (1 - n_active / max(n_polls, 1)),
        f"{hole_from:%Y-%m-%d %H:%M}",
        f"{hole_to:%Y-%m-%d %H:%M}",
        out,
    )
    return paths


def window_bounds(
    start: str | datetime | None, end: str | datetime | None, days: float
) -> tuple[int, int]:
    """The window's first instant and its end, in whole seconds since the epoch.

    Args:
        start: First instant, or None.
        end: End (exclusive), or None; with neither, the start of the current UTC hour.
        days: Length of the window in days.

    Returns:
        ``(start, end)``, ``end - start`` being ``days`` rounded to the second.

    Raises:
        ValueError: Both ``start`` and ``end`` given, or one is not an instant.
    """
    length = round(days * DAY)
    if start is not None and end is not None:
        raise ValueError("give the window's start or its end, not both")
    if start is not None:
        first = _seconds(start)
        return first, first + length
    last = _seconds(end) if end is not None else int(time.time()) // HOUR * HOUR
    return last - length, last


def _seconds(instant: str | datetime) -> int:
    """An instant in whole seconds since the epoch (naive means UTC)."""
    if isinstance(instant, str):
        text = instant.strip()
        # Python 3.10's fromisoformat knows no trailing Z.
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return int(instant.timestamp())


def _write_files(
    out: Path, hours_table: pd.DataFrame, zone_table: pd.DataFrame
) -> dict[str, Path]:
    """Write the hours and zone exports into ``out``; return the three paths by kind."""
    paths = {
        "store_status": out / "store_status.csv",
        "menu_hours": out / "menu_hours.csv",
        "timezones": out / "timezones.csv",
    }
    con = db.connect()
    try:
        con.from_df(hours_table).write_csv(str(paths["menu_hours"]))
        con.from_df(zone_table).write_csv(str(paths["timezones"]))
    finally:
        con.close()
    return paths


def _write_polls(
    path: Path, chunks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> tuple[int, int]:
    """Write the polls export chunk by chunk (one chunk in memory at a time).

    Each chunk is written by DuckDB (header on the first only) to a part file that is appended
    to ``path``, so the bytes are those of one write of all rows in order.

    Returns:
        The number of polls and of active polls written.
    """
    n_polls = n_active = 0
    part = path.with_name(path.name + ".part")
    con = db.connect()
    try:
        with path.open("wb") as target:
            for store_ids, active, ts_us in chunks:
                polls = pd.DataFrame({"store_id": store_ids, "active": active, "ts_us": ts_us})
                con.register("gen_polls", polls)
                # write_csv keeps the relation's row order (DuckDB preserves insertion order).
                con.sql(db.load_sql("gen_store_status")).write_csv(str(part), header=n_polls == 0)
                con.unregister("gen_polls")
                with part.open("rb") as source:
                    shutil.copyfileobj(source, target, 1 << 20)
                n_polls += len(polls)
                n_active += int(polls["active"].sum())
    finally:
        con.close()
        part.unlink(missing_ok=True)
    return n_polls, n_active
