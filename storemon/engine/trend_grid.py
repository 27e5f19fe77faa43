"""A trend's cells summed in a grid of periods x stores, in the trend's order.

``trend_ticks`` (SQL) gives the business ticks a trend is counted from: the local business
ticks at each store's places of the week where its periods' bounds fall (B at a bound adds its
offset segment's constant and its whole weeks here), and for every piece of outage inside a
period, B at its end minus B at its start where those are its run's ends (where they are the
period's bounds, B is added here from the bounds' grid). Here they are summed into one cell per
store and period, laid out as the trend's rows come (oldest period first, then by store_id):
each value is added at its cell's place, so there is neither an aggregate of millions of groups
nor a sort, and the figures stay exact integers (ticks, half-microseconds) until they are
rounded like the report's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import numpy as np

from storemon.engine import db

# One hundredth of an hour in ticks, as store_report rounds hours (the macro hundredths_half_up)
HOUR_HUNDREDTH_HUS = 72_000_000


_PAGES = threading.Lock()
_cutting = 0  # cuts running now, in any thread: the first one switches, the last one restores
_advice_before: bool | None = None


@contextmanager
def small_pages() -> Iterator[None]:
    """Let NumPy's new arrays use the kernel's ordinary pages while a trend is cut.

    NumPy asks for transparent huge pages on every large array (``madvise``). Where the kernel
    makes such a request wait for memory to be compacted (``defrag`` set to ``madvise``, common
    on Linux), arrays made right after DuckDB gave back gigabytes can take a second instead of
    a few milliseconds: a trend's grid cost anything from 0.1 to 2 s at 10x. NumPy's own switch
    (the one the ``NUMPY_MADVISE_HUGEPAGE`` environment variable sets at import) is turned off
    while any cut runs, and put back as it was after the last one.
    """
    global _cutting, _advice_before
    core = getattr(np, "_core", None) or np.core  # numpy.core before NumPy 2
    switch = getattr(core.multiarray, "_set_madvise_hugepage", None)
    with _PAGES:
        if _cutting == 0 and switch is not None:
            _advice_before = switch(False)
        _cutting += 1
    try:
        yield
    finally:
        with _PAGES:
            _cutting -= 1
            if _cutting == 0 and switch is not None:
                switch(_advice_before)


def hundredths_half_up(ticks: np.ndarray, unit_ticks: int = HOUR_HUNDREDTH_HUS) -> np.ndarray:
    """The report's rounding (the macro hundredths_half_up) of non-negative ticks, in place.

    Args:
        ticks: Exact tick counts (int64, 0 or more); overwritten.
        unit_ticks: One hundredth of the unit in ticks.

    Returns:
        The rounded values (float64), as DuckDB gives them.
    """
    ticks += unit_ticks // 2
    ticks //= unit_ticks
    rounded = ticks.astype(np.float64)
    rounded /= 100
    return rounded


def cut_cells(
    con: duckdb.DuckDBPyConnection, now_us: int, window_us: int, periods: int
) -> dict[str, np.ndarray]:
    """Every store's cells of a trend, in the trend's order, from the relations of ``trend_ticks``.

    Args:
        con: A connection where ``trend_ticks`` was run for this window and these periods.
        now_us: The newest period's end (microseconds since the epoch).
        window_us: A period's length in microseconds.
        periods: How many periods (all of them hold a poll).

    Returns:
        Arrays of one item per row: ``store_id`` (objects), ``end_us`` (the period's end),
        ``uptime`` and ``downtime`` (hours, rounded like the report's).
    """
    stores = db.run_query(con, "trend_stores")
    count = len(stores)
    rank = np.zeros(int(stores["store_key"].max()) + 1, dtype=np.int64)
    rank[stores["store_key"].to_numpy()] = np.arange(count)
    # A row r of a grid is period k = periods - 1 - r (the oldest first) or, in the bounds' grid,
    # bound j = periods - r: period k runs from bound k + 1 (row r) to bound k (row r + 1).
    at_bound = _bound_ticks(con, rank, count, periods)
    up = (at_bound[1:] - at_bound[:-1]).ravel()
    down = _down_ticks(con, at_bound.ravel(), rank, count, periods)
    del at_bound
    up -= down
    # A store has the periods that end at or after its first poll (trend_store_periods).
    k = np.arange(periods - 1, -1, -1)
    kept = (k[:, None] < stores["periods"].to_numpy()[None, :]).ravel()
    ids = stores["store_id"].to_numpy(dtype=object)
    return {
        "store_id": np.tile(ids, periods)[kept],
        "end_us": np.repeat(now_us - k * window_us, kept.reshape(periods, count).sum(axis=1)),
        "uptime": hundredths_half_up(up[kept]),
        "downtime": hundredths_half_up(down[kept]),
    }


def _down_ticks(
    con: duckdb.DuckDBPyConnection,
    at_bound: np.ndarray,
    rank: np.ndarray,
    count: int,
    periods: int,
) -> np.ndarray:
    """Every store's downtime in every period: the sum of its pieces' business time, flat.

    A piece's business time is B at its end minus B at its start; ``trend_piece_ticks`` gives
    the part read at its run's ends (``down_hus``) and whether it ends or starts at its period's
    bound (``to_bound``, ``from_bound``), where B is read off the bounds' grid ``at_bound`` (flat,
    of :func:`_bound_ticks`): the period of cell ``c`` starts at bound ``c`` of that grid and
    ends at bound ``c + count``.
    """
    ticks = con.table("trend_piece_ticks").fetchnumpy()
    cell = (periods - 1 - ticks["k"].astype(np.int64)) * count + rank[ticks["store_key"]]
    piece, to_bound, from_bound = ticks["down_hus"], ticks["to_bound"], ticks["from_bound"]
    del ticks
    piece[to_bound] += at_bound[cell[to_bound] + count]
    piece[from_bound] -= at_bound[cell[from_bound]]
    down = np.zeros(periods * count, dtype=np.int64)
    np.add.at(down, cell, piece)
    return down


def _bound_ticks(
    con: duckdb.DuckDBPyConnection, rank: np.ndarray, count: int, periods: int
) -> np.ndarray:
    """B at every bound of every store: a (periods + 1) x stores grid, the oldest bound first.

    ``rank`` gives each store_key its column, of ``count``. ``trend_zone_bounds`` gives each
    bound's offset segment, place and week in each zone, ``trend_place_ticks`` the local business
    ticks up to each place of a store's week (in the week of 1970-01-05), ``trend_store_segments``
    the constant of each of its segments: B at a bound is, as in ``store_business_ticks``, the
    segment's constant plus the local ticks at its place, plus its weeks times the store's
    business ticks of a week. A store without a zone keeps zeros: it has no business time.
    """
    bounds = con.table("trend_zone_bounds").fetchnumpy()
    zones = int(bounds["zone_no"].max()) + 1
    rows, zone_of = periods - bounds["j"].astype(np.int64), bounds["zone_no"]
    grids = {}
    for column in ("seg_no", "place_no", "week_no"):
        grids[column] = np.zeros((periods + 1, zones), dtype=np.int64)
        grids[column][rows, zone_of] = bounds[column]
    places = con.table("trend_place_ticks").fetchnumpy()
    store = rank[places["store_key"]]
    at_place = np.zeros((count, int(bounds["place_no"].max()) + 1), dtype=np.int64)
    at_place[store, places["place_no"]] = places["local_b_hus"]
    week_hus = np.zeros(count, dtype=np.int64)
    week_hus[store] = places["week_hus"]
    zone = np.zeros(count, dtype=np.int64)
    zone[store] = places["zone_no"]
    del places
    segments = con.table("trend_store_segments").select("store_key, seg_no, c_hus").fetchnumpy()
    constant = np.zeros((count, int(segments["seg_no"].max()) + 1), dtype=np.int64)
    constant[rank[segments["store_key"]], segments["seg_no"]] = segments["c_hus"]
    column = np.arange(count)
    at_bound = at_place[column, grids["place_no"][:, zone]]
    at_bound += grids["week_no"][:, zone] * week_hus
    at_bound += constant[column, grids["seg_no"][:, zone]]
    return at_bound
