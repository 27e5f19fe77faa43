"""Synthetic stores: ids, the export files each one is in, its zone and business hours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from storemon.synthetic.hours import draw_hours, format_seconds

# Zone mix: the 2023 and 2024 exports pooled (18,118 stores).
ZONES = (
    ("America/New_York", 9_310),
    ("America/Chicago", 4_520),
    ("America/Los_Angeles", 3_433),
    ("America/Phoenix", 477),
    ("America/Denver", 241),
    ("America/Detroit", 64),
    ("America/Indiana/Indianapolis", 59),
    ("America/Boise", 8),
    ("Pacific/Honolulu", 3),
    ("America/Edmonton", 2),
    ("Asia/Beirut", 1),
)
# Too rare to turn up by chance in a fleet of thousands, but each exercises its own code path
# (no DST, a non-US DST calendar): a big enough fleet gets at least one store in each.
_RARE_ZONES = ("America/Boise", "Pacific/Honolulu", "America/Edmonton", "Asia/Beirut")
# The real zone export lists its rows grouped by zone, in this order.
_ZONE_FILE_ORDER = (
    "Asia/Beirut",
    "America/Boise",
    "America/Denver",
    "America/Chicago",
    "America/Detroit",
    "America/Phoenix",
    "America/Edmonton",
    "America/New_York",
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/Indiana/Indianapolis",
)

# Which files a store appears in. Polled stores: 4.4 % in neither hours nor zones (in the real
# samples every store without a zone also lacks hours), 0.2 % hours without zone, 17.4 % zone
# without hours, the rest both. Never-polled stores (~0.95 % extra): mostly both.
_POLLED_SHARES = {"none": 0.044, "hours_only": 0.002, "zone_only": 0.174}
_EXTRA_SHARE = 0.0095
_EXTRA_SHARES = {"both": 0.70, "hours_only": 0.17, "zone_only": 0.13}
_OFFLINE_WHEN_CLOSED_P = 0.30


@dataclass(frozen=True)
class Fleet:
    """Everything decided per store before any poll is drawn.

    Index = store; stores [0, stores) are polled, the few after them never are.
    """

    ids: np.ndarray  # int64, unique, 16-19 digits
    zone: np.ndarray  # int index into ZONES: the store's true zone
    has_zone_row: np.ndarray  # bool
    hours_index: np.ndarray  # int row into hours, -1 = no hours rows
    hours: np.ndarray  # (n_with_hours, 7, 3, 2) int32 seconds, -1 = empty slot
    offline_when_closed: np.ndarray  # bool


def draw_fleet(rng: np.random.Generator, n_polled: int) -> Fleet:
    """Draw ids, file membership, zones and business hours of every store."""
    n_extra = max(1, round(n_polled * _EXTRA_SHARE))
    n = n_polled + n_extra

    # Uniform 63-bit ids are 19 digits 89 % of the time, 18 digits 9.8 %, 17 digits 1 %,
    # 16 digits 0.1 %: the mix of the real 2023 ids. Below 10**15 is excluded (16+ digits).
    ids = rng.integers(10**15, 2**63 - 1, size=n, dtype=np.int64)
    while len(np.unique(ids)) < n:  # a collision is astronomically rare but must not pass
        _, first = np.unique(ids, return_index=True)
        dup = np.setdiff1d(np.arange(n), first)
        ids[dup] = rng.integers(10**15, 2**63 - 1, size=len(dup), dtype=np.int64)

    u = rng.random(n)
    polled = np.arange(n) < n_polled
    s = _POLLED_SHARES
    e = _EXTRA_SHARES
    no_zone = np.where(
        polled,
        u < s["none"] + s["hours_only"],
        (u >= e["both"]) & (u < e["both"] + e["hours_only"]),
    )
    no_hours = np.where(
        polled,
        (u < s["none"]) | ((u >= s["none"] + s["hours_only"]) & (u < sum(s.values()))),
        u >= e["both"] + e["hours_only"],
    )

    weights = np.array([w for _, w in ZONES], dtype=float)
    zone = rng.choice(len(ZONES), size=n, p=weights / weights.sum())
    with_zone = np.flatnonzero(~no_zone)
    if len(with_zone) >= 1_000:
        names = [z for z, _ in ZONES]
        forced = rng.choice(with_zone, size=len(_RARE_ZONES), replace=False)
        zone[forced] = [names.index(z) for z in _RARE_ZONES]

    hours_index = np.full(n, -1, dtype=np.int64)
    hours_index[~no_hours] = np.arange(int((~no_hours).sum()))
    hours = draw_hours(rng, int((~no_hours).sum()))
    offline_when_closed = ~no_hours & (rng.random(n) < _OFFLINE_WHEN_CLOSED_P)
    return Fleet(ids, zone, ~no_zone, hours_index, hours, offline_when_closed)


def hours_rows(rng: np.random.Generator, fleet: Fleet, day_column: str) -> pd.DataFrame:
    """Flatten the hours grid into export rows, ordered like the real file."""
    owners = np.flatnonzero(fleet.hours_index >= 0)
    h, day, slot = np.nonzero(fleet.hours[..., 0] >= 0)
    start = fleet.hours[h, day, slot, 0]
    end = fleet.hours[h, day, slot, 1]
    store = owners[h]  # hours_index numbers the owners in store order
    # The real export is sorted by end time, then start time, with each store's days together
    # in no particular order.
    store_rank = rng.permutation(len(fleet.ids))[store]
    day_rank = rng.random(len(day))
    order = np.lexsort((day_rank, store_rank, start, end))
    return pd.DataFrame(
        {
            "store_id": fleet.ids[store[order]].astype(str),
            day_column: day[order].astype(np.int64),
            "start_time_local": format_seconds(start[order]),
            "end_time_local": format_seconds(end[order]),
        }
    )


def zone_rows(rng: np.random.Generator, fleet: Fleet) -> pd.DataFrame:
    """The zone export's rows: stores with a zone row, grouped by zone like the real file."""
    names = np.array([z for z, _ in ZONES])
    group = np.array([_ZONE_FILE_ORDER.index(z) for z in names])
    stores = np.flatnonzero(fleet.has_zone_row)
    order = np.lexsort((rng.random(len(stores)), group[fleet.zone[stores]]))
    stores = stores[order]
    return pd.DataFrame(
        {"store_id": fleet.ids[stores].astype(str), "timezone_str": names[fleet.zone[stores]]}
    )
