"""Realistic synthetic exports: store status polls, business hours and time zones.

The files have the shape and the quirks of the real Loop exports profiled in
``../shared/data/real/PROFILE.md``, so that ingest and the report meet the same trouble as on
real data:

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

Everything is drawn from one seeded generator: the same arguments give the same bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from storemon.engine import db

log = logging.getLogger(__name__)

DEFAULT_STORES = 14_092
DEFAULT_DAYS = 8
# Eight days from here span the US fall-back change of 2024-11-03.
DEFAULT_START = datetime(2024, 10, 29, tzinfo=timezone.utc)
DAY_COLUMNS = ("dayOfWeek", "day")

_US = 1_000_000
_HOUR = 3_600
_DAY = 86_400
_EOD_MINUTE = 86_340  # 23:59:00
_EOD_SECOND = 86_399  # 23:59:59
# Stores are simulated in chunks of this size so that 10x fleets stay within a few hundred MiB;
# it is a constant because the output bytes depend on it.
_CHUNK_STORES = 16_384

# Zone mix: the 2023 and 2024 exports pooled (18,118 stores).
_ZONES = (
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


def _hms(h: int, m: int = 0, s: int = 0) -> int:
    return h * _HOUR + m * 60 + s


# Opening and closing times with weights close to the 2023 menu_hours counts.
_OPEN_TIMES = np.array(
    [
        (_hms(11), 20_666),
        (_hms(10), 8_013),
        (_hms(6), 7_955),
        (_hms(7), 5_083),
        (_hms(8), 3_963),
        (_hms(10, 30), 2_782),
        (_hms(12), 2_545),
        (_hms(11, 30), 2_437),
        (_hms(9), 2_244),
        (_hms(17), 1_558),
        (_hms(16), 1_351),
        (_hms(6, 30), 787),
        (_hms(7, 30), 699),
        (_hms(15), 606),
        (_hms(9, 30), 446),
        (_hms(5), 444),
        (_hms(8, 30), 314),
        (_hms(13), 267),
        (_hms(10, 15), 162),
        (_hms(5, 30), 129),
    ]
)
# -1 stands for "end of day", written as 23:59:59 or 23:59:00 depending on the store.
_CLOSE_TIMES = np.array(
    [
        (-1, 6_000),
        (_hms(22), 6_627),
        (_hms(21), 6_218),
        (_hms(23), 5_017),
        (_hms(20), 3_723),
        (_hms(21, 30), 3_555),
        (_hms(20, 30), 2_680),
        (_hms(19), 2_239),
        (_hms(22, 30), 1_931),
        (_hms(23, 30), 1_675),
        (_hms(20, 45), 1_382),
        (_hms(19, 30), 1_207),
        (_hms(21, 45), 1_091),
        (_hms(18), 868),
        (_hms(16), 807),
        (_hms(23, 45), 701),
        (_hms(17), 603),
        (_hms(22, 45), 528),
        (_hms(15), 500),
    ]
)
# Night tails: the part of a late night after midnight, 00:00:00 -> one of these.
_TAIL_ENDS = np.array(
    [
        (_hms(1), 2_611),
        (_hms(2), 2_345),
        (_hms(3), 952),
        (_hms(0, 30), 400),
        (_hms(1, 30), 400),
        (_hms(4), 300),
        (_hms(5), 150),
    ]
)
# Store kinds: regular, late nights, split lunch/dinner, whole days, 10-minute "hours".
_KIND_P = np.array([0.667, 0.17, 0.03, 0.13, 0.003])
_REGULAR, _LATE, _SPLIT, _ALLDAY, _TINY = range(5)
# Stores by number of weekdays listed (7, 6, ..., 1), 2023 menu_hours.
_WEEKDAY_COUNT_P = np.array([9_050, 1_446, 391, 44, 31, 4, 150], dtype=float)

# Polls: probability of a poll in an hour slot by UTC hour of day; the real data has fewer rows
# at 20:00-04:59 UTC.
_POLL_P_BY_UTC_HOUR = np.array([0.80] * 5 + [0.97] * 13 + [0.88] * 2 + [0.80] * 4)
# Outage classes (share of stores, hourly chance of going down, mean outage length in hours).
_OUTAGE_CLASSES = np.array(
    [
        (0.42, 0.004, 1.5),
        (0.30, 0.035, 2.5),
        (0.15, 0.120, 3.0),
        (0.09, 0.012, 48.0),
        (0.04, 0.300, 200.0),
    ]
)
_OFFLINE_WHEN_CLOSED_P = 0.30
_NEAR_DUPLICATE_P = 0.0025


@dataclass(frozen=True)
class _Fleet:
    """Everything decided per store before any poll is drawn.

    Index = store; stores [0, stores) are polled, the few after them never are.
    """

    ids: np.ndarray  # int64, unique, 16-19 digits
    zone: np.ndarray  # int index into _ZONES: the store's true zone
    has_zone_row: np.ndarray  # bool
    hours_index: np.ndarray  # int row into hours, -1 = no hours rows
    hours: np.ndarray  # (n_with_hours, 7, 3, 2) int32 seconds, -1 = empty slot
    offline_when_closed: np.ndarray  # bool


@dataclass(frozen=True)
class _Window:
    """The UTC time frame of the polls, in seconds since the epoch."""

    start: int
    end: int
    slot0: int  # start floored to the hour: polls come in hourly slots from here
    n_slots: int
    hole: tuple[float, float]  # fleet-wide polling hole [from, to)
    zone_offsets: np.ndarray  # (len(_ZONES), n_slots) UTC offset in seconds at each slot


def generate(
    out_dir: str | Path,
    stores: int = DEFAULT_STORES,
    days: float = DEFAULT_DAYS,
    start: str | datetime | None = None,
    seed: int = 0,
    day_column: str = "dayOfWeek",
) -> dict[str, Path]:
    """Write a realistic fleet's ``store_status.csv``, ``menu_hours.csv`` and ``timezones.csv``.

    The defaults give the size of the real 2023 fleet (14,092 polled stores, about 1.85 M polls)
    over 8 days from 2024-10-29 00:00 UTC, a window that spans the US fall-back DST change.

    Args:
        out_dir: Folder to write into (created if needed); existing files are overwritten.
        stores: Number of polled stores. About 1 % more stores appear only in the hours or
            zone file.
        days: Length of the polling window in days.
        start: First instant of the window: an ISO string (``Z``, an offset, or naive = UTC)
            or a datetime (naive = UTC). Default 2024-10-29T00:00:00Z.
        seed: Seed of the random generator; the same arguments give the same bytes.
        day_column: Name of the weekday column of menu_hours: ``dayOfWeek`` (2024 export)
            or ``day`` (2023 export).

    Returns:
        The written paths by kind: ``store_status``, ``menu_hours``, ``timezones``.

    Raises:
        ValueError: On a non-positive ``stores`` or ``days`` or an unknown ``day_column``.
    """
    if stores < 1 or days <= 0:
        raise ValueError(f"stores and days must be positive, got stores={stores}, days={days}")
    if day_column not in DAY_COLUMNS:
        raise ValueError(f"day_column must be one of {DAY_COLUMNS}, got {day_column!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fleet_seq, window_seq, polls_seq, hours_seq, zones_seq = np.random.SeedSequence(seed).spawn(5)

    fleet = _draw_fleet(np.random.default_rng(fleet_seq), stores)
    window = _draw_window(np.random.default_rng(window_seq), _parse_start(start), days)
    chunk_seqs = polls_seq.spawn((stores + _CHUNK_STORES - 1) // _CHUNK_STORES)
    chunks = [
        _draw_polls(
            np.random.default_rng(chunk_seq), fleet, window, lo, min(lo + _CHUNK_STORES, stores)
        )
        for chunk_seq, lo in zip(chunk_seqs, range(0, stores, _CHUNK_STORES), strict=True)
    ]
    polls = pd.DataFrame(
        {
            "store_id": np.concatenate([c[0] for c in chunks]),
            "active": np.concatenate([c[1] for c in chunks]),
            "ts_us": np.concatenate([c[2] for c in chunks]),
        }
    )
    del chunks
    hours_rows = _hours_rows(np.random.default_rng(hours_seq), fleet, day_column)
    zone_rows = _zone_rows(np.random.default_rng(zones_seq), fleet)

    paths = {
        "store_status": out / "store_status.csv",
        "menu_hours": out / "menu_hours.csv",
        "timezones": out / "timezones.csv",
    }
    con = db.connect()
    try:
        con.register("gen_polls", polls)
        # write_csv keeps the relation's row order (DuckDB preserves insertion order).
        con.sql(db.load_sql("gen_store_status")).write_csv(str(paths["store_status"]))
        con.unregister("gen_polls")
        con.from_df(hours_rows).write_csv(str(paths["menu_hours"]))
        con.from_df(zone_rows).write_csv(str(paths["timezones"]))
    finally:
        con.close()

    hole_from, hole_to = (datetime.fromtimestamp(t, timezone.utc) for t in window.hole)
    log.info(
        "generated %d polls of %d stores, %d menu_hours rows, %d timezones rows "
        "(%.1f %% inactive polls; fleet-wide polling hole %s -> %s) in %s",
        len(polls),
        stores,
        len(hours_rows),
        len(zone_rows),
        100 * (1 - polls["active"].mean()),
        f"{hole_from:%Y-%m-%d %H:%M}",
        f"{hole_to:%Y-%m-%d %H:%M}",
        out,
    )
    return paths


def _parse_start(start: str | datetime | None) -> int:
    """Return the window start in whole seconds since the epoch (naive means UTC)."""
    if start is None:
        start = DEFAULT_START
    if isinstance(start, str):
        text = start.strip()
        # Python 3.10's fromisoformat knows no trailing Z.
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        start = datetime.fromisoformat(text)
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return int(start.timestamp())


# --- stores -------------------------------------------------------------------------------


def _draw_fleet(rng: np.random.Generator, n_polled: int) -> _Fleet:
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

    weights = np.array([w for _, w in _ZONES], dtype=float)
    zone = rng.choice(len(_ZONES), size=n, p=weights / weights.sum())
    with_zone = np.flatnonzero(~no_zone)
    if len(with_zone) >= 1_000:
        names = [z for z, _ in _ZONES]
        forced = rng.choice(with_zone, size=len(_RARE_ZONES), replace=False)
        zone[forced] = [names.index(z) for z in _RARE_ZONES]

    hours_index = np.full(n, -1, dtype=np.int64)
    hours_index[~no_hours] = np.arange(int((~no_hours).sum()))
    hours = _draw_hours(rng, int((~no_hours).sum()))
    offline_when_closed = ~no_hours & (rng.random(n) < _OFFLINE_WHEN_CLOSED_P)
    return _Fleet(ids, zone, ~no_zone, hours_index, hours, offline_when_closed)


def _pick(rng: np.random.Generator, table: np.ndarray, n: int) -> np.ndarray:
    """Draw n values from a (value, weight) table."""
    p = table[:, 1].astype(float)
    return table[rng.choice(len(table), size=n, p=p / p.sum()), 0]


def _draw_hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw weekly business hours as a grid (store, weekday, slot, start/end) of seconds.

    Slot 0 is the main (or lunch) interval, slot 1 the dinner interval of a split shift, slot 2
    the tail after midnight of the previous day's late night. -1 marks an empty slot. Ends are
    exclusive seconds of the day, 23:59:00 / 23:59:59 standing for midnight as in the exports.
    """
    grid = np.full((n, 7, 3, 2), -1, dtype=np.int32)
    kind = rng.choice(len(_KIND_P), size=n, p=_KIND_P)
    eod = np.where(rng.random(n) < 0.5, _EOD_SECOND, _EOD_MINUTE)
    # Whole days are written 00:00:00-23:59:00 about twice as often as -23:59:59.
    eod = np.where(kind == _ALLDAY, np.where(rng.random(n) < 0.66, _EOD_MINUTE, _EOD_SECOND), eod)

    open_ = _pick(rng, _OPEN_TIMES, n)
    odd = rng.random(n) < 0.003  # a few opening times off the quarter hour
    open_ = np.where(odd, open_ + 60 * rng.integers(1, 15, size=n), open_)
    close = _pick(rng, _CLOSE_TIMES, n)
    close = np.where(close < 0, eod, close)
    too_short = close < open_ + 4 * _HOUR
    close = np.where(too_short, np.minimum(open_ + _HOUR * rng.integers(4, 8, size=n), eod), close)

    # Some stores open later at the weekend and close later on Friday and Saturday.
    start_d = np.repeat(open_[:, None], 7, axis=1)
    end_d = np.repeat(close[:, None], 7, axis=1)
    weekend = rng.random(n) < 0.3
    later_open = np.minimum(start_d[:, 5:7] + _HOUR, end_d[:, 5:7] - 2 * _HOUR)
    start_d[:, 5:7] = np.where(weekend[:, None], later_open, start_d[:, 5:7])
    later_close = np.minimum(end_d[:, 4:6] + _HOUR, eod[:, None])
    later_close = np.where(end_d[:, 4:6] >= _EOD_MINUTE, end_d[:, 4:6], later_close)
    end_d[:, 4:6] = np.where(weekend[:, None], later_close, end_d[:, 4:6])

    # Listed weekdays: most stores all 7; Sunday and Monday are the usual closed days.
    n_days = 7 - rng.choice(7, size=n, p=_WEEKDAY_COUNT_P / _WEEKDAY_COUNT_P.sum())
    always = np.isin(kind, [_ALLDAY, _TINY]) & (rng.random(n) < 0.92)
    n_days = np.where(always, 7, n_days)
    score = rng.random((n, 7)) - np.array([0.25, 0, 0, 0, 0, 0, 0.35])
    rank = score.argsort(axis=1).argsort(axis=1)
    open_day = rank >= (7 - n_days)[:, None]

    # Late nights: every day, or only Thursday to Saturday nights; a few split shifts too.
    late_store = (kind == _LATE) | ((kind == _SPLIT) & (rng.random(n) < 0.05))
    every_night = rng.random(n) < 0.55
    late_day = late_store[:, None] & np.where(
        every_night[:, None], True, np.isin(np.arange(7), [3, 4, 5])[None, :]
    )
    late_day &= open_day
    # Late-night places open late morning or afternoon, well after the night tail ends.
    start_d = np.where((kind == _LATE)[:, None], np.maximum(start_d, _hms(10)), start_d)
    tail_end = _pick(rng, _TAIL_ENDS, n)

    lunch_end = rng.choice([_hms(14), _hms(14, 30), _hms(15)], size=n)
    dinner_start = rng.choice([_hms(16), _hms(16, 30), _hms(17), _hms(17, 30)], size=n)
    dinner_start = np.where(rng.random(n) < 0.03, lunch_end, dinner_start)  # touching rows
    dinner_end = rng.choice([_hms(21), _hms(21, 30), _hms(22), _hms(22, 30), -1], size=n)
    dinner_end = np.where(dinner_end < 0, eod, dinner_end)
    lunch_open = rng.choice([_hms(10, 30), _hms(11), _hms(11, 30)], size=n)

    is_ = {k: (kind == k)[:, None] for k in range(len(_KIND_P))}
    s0 = np.select(
        [is_[_ALLDAY] | is_[_TINY], is_[_SPLIT]], [0, lunch_open[:, None]], default=start_d
    )
    e0 = np.select(
        [is_[_ALLDAY], is_[_TINY], is_[_SPLIT], late_day],
        [
            eod[:, None],
            np.where(rng.random(n) < 0.3, 60, 600)[:, None],
            lunch_end[:, None],
            eod[:, None],
        ],
        default=end_d,
    )
    grid[:, :, 0, 0] = np.where(open_day, s0, -1)
    grid[:, :, 0, 1] = np.where(open_day, e0, -1)
    split_open = is_[_SPLIT] & open_day
    grid[:, :, 1, 0] = np.where(split_open, dinner_start[:, None], -1)
    grid[:, :, 1, 1] = np.where(
        split_open, np.where(late_day, eod[:, None], dinner_end[:, None]), -1
    )
    # The tail of day d's late night is a row of day d + 1 (Sunday's goes to Monday).
    tail_day = np.roll(late_day, 1, axis=1)
    grid[:, :, 2, 0] = np.where(tail_day, 0, -1)
    grid[:, :, 2, 1] = np.where(tail_day, tail_end[:, None], -1)
    return grid


def _hours_rows(rng: np.random.Generator, fleet: _Fleet, day_column: str) -> pd.DataFrame:
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
            "start_time_local": _format_seconds(start[order]),
            "end_time_local": _format_seconds(end[order]),
        }
    )


def _format_seconds(seconds: np.ndarray) -> np.ndarray:
    """Format seconds of the day as zero-padded ``HH:MM:SS`` strings."""
    values, inverse = np.unique(seconds, return_inverse=True)
    text = np.array([f"{v // _HOUR:02d}:{v // 60 % 60:02d}:{v % 60:02d}" for v in values])
    return text[inverse.reshape(-1)]


def _zone_rows(rng: np.random.Generator, fleet: _Fleet) -> pd.DataFrame:
    """The zone export's rows: stores with a zone row, grouped by zone like the real file."""
    names = np.array([z for z, _ in _ZONES])
    group = np.array([_ZONE_FILE_ORDER.index(z) for z in names])
    stores = np.flatnonzero(fleet.has_zone_row)
    order = np.lexsort((rng.random(len(stores)), group[fleet.zone[stores]]))
    stores = stores[order]
    return pd.DataFrame(
        {"store_id": fleet.ids[stores].astype(str), "timezone_str": names[fleet.zone[stores]]}
    )


# --- time frame ---------------------------------------------------------------------------


def _draw_window(rng: np.random.Generator, start: int, days: float) -> _Window:
    """Fix the window, the zones' UTC offsets per hour slot, and the fleet-wide hole."""
    end = start + round(days * _DAY)
    slot0 = start - start % _HOUR
    n_slots = -(-(end - slot0) // _HOUR)
    slot_starts = [datetime.fromtimestamp(slot0 + k * _HOUR, timezone.utc) for k in range(n_slots)]
    zone_offsets = np.array(
        [
            [t.astimezone(ZoneInfo(name)).utcoffset() // timedelta(seconds=1) for t in slot_starts]
            for name, _ in _ZONES
        ],
        dtype=np.int64,
    )

    # The real 2023 hole lasts 36.9 h of a 186 h window and starts 59 % into it. Ours keeps
    # that share (at most 40 h) and starts near 45-65 %, but not within 6 h of a DST change:
    # a window chosen to span one must have polls around it.
    span_h = (end - start) / _HOUR
    length_h = min(0.19 * span_h, 40.0)
    target_h = rng.uniform(0.45, 0.65) * span_h
    changes = np.flatnonzero(np.diff(zone_offsets, axis=1).any(axis=0)) + 1
    changes_h = (slot0 + changes * _HOUR - start) / _HOUR
    candidates = np.arange(0.15 * span_h, 0.85 * span_h - length_h, 0.25)
    clear = np.ones(len(candidates), dtype=bool)
    for change in changes_h:
        clear &= (candidates + length_h <= change - 6) | (candidates >= change + 6)
    if clear.any():
        candidates = candidates[clear]
    if len(candidates):
        from_h = candidates[np.argmin(np.abs(candidates - target_h))]
    else:
        from_h = target_h
    hole_from = start + from_h * _HOUR + rng.uniform(0, 900)
    hole = (hole_from, hole_from + length_h * _HOUR)
    return _Window(start, end, slot0, n_slots, hole, zone_offsets)


# --- polls --------------------------------------------------------------------------------


def _draw_polls(
    rng: np.random.Generator, fleet: _Fleet, window: _Window, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw the polls of stores [lo, hi): (store id, active, UTC microseconds) arrays.

    Rows come in time-ordered blocks that jump in time, like the real file.
    """
    n = hi - lo
    n_slots = window.n_slots
    slot_hour = (window.slot0 // _HOUR + np.arange(n_slots)) % 24

    # Which hourly slots get a poll: a per-store rate, the hour of day, multi-hour gaps,
    # stores that start or stop polling inside the window.
    rate = np.where(rng.random(n) < 0.08, rng.uniform(0.5, 0.9, size=n), 1.0)
    present = rng.random((n, n_slots)) < rate[:, None] * _POLL_P_BY_UTC_HOUR[slot_hour][None, :]
    n_gaps = rng.poisson(0.7 * n_slots / 192, size=n)
    gap_store = np.repeat(np.arange(n), n_gaps)
    gap_from = rng.integers(0, n_slots, size=len(gap_store))
    gap_to = np.minimum(
        gap_from + 2 + rng.gamma(2.0, 3.0, size=len(gap_store)).astype(int), n_slots
    )
    in_gap = np.zeros((n, n_slots + 1), dtype=np.int32)
    np.add.at(in_gap, (gap_store, gap_from), 1)
    np.add.at(in_gap, (gap_store, gap_to), -1)
    present &= np.cumsum(in_gap, axis=1)[:, :n_slots] == 0
    slots = np.arange(n_slots)[None, :]
    first = np.where(rng.random(n) < 0.02, rng.integers(0, n_slots, size=n), 0)
    last = np.where(rng.random(n) < 0.015, rng.integers(0, n_slots, size=n), n_slots)
    present &= (slots >= first[:, None]) & (slots <= last[:, None])
    # A few stores have only 1-3 polls in the whole window.
    sparse = rng.random(n) < 0.002
    lucky = rng.random((n, n_slots)) < rng.integers(1, 4, size=n)[:, None] / n_slots
    present = np.where(sparse[:, None], present & lucky, present)

    # Outages: a two-state Markov chain per store over the hourly slots, in continuous time
    # (it runs through missing polls and the hole too). Status is drawn for the slot grid.
    cls = rng.choice(len(_OUTAGE_CLASSES), size=n, p=_OUTAGE_CLASSES[:, 0])
    p_fail = _OUTAGE_CLASSES[cls, 1]
    p_recover = 1 / _OUTAGE_CLASSES[cls, 2]
    down = np.empty((n, n_slots), dtype=bool)
    state = rng.random(n) < p_fail / (p_fail + p_recover)
    u = rng.random((n, n_slots))
    for k in range(n_slots):  # loops over hours, not polls: each step is one vector op
        state = np.where(state, u[:, k] >= p_recover, u[:, k] < p_fail)
        down[:, k] = state
    del u

    local, slot = np.nonzero(present)
    store = lo + local
    # Polls come near the top of the UTC hour: a store's own delay plus a per-poll one, and a
    # few anywhere in the hour.
    base = rng.exponential(150.0, size=n)[local]
    offset_s = base + rng.exponential(240.0, size=len(local))
    anywhere = rng.random(len(local)) < 0.13
    offset_s = np.where(anywhere, rng.uniform(0, _HOUR, size=len(local)), offset_s)
    offset_us = np.minimum((offset_s * _US).astype(np.int64), _HOUR * _US - 1)
    ts_us = (window.slot0 + slot.astype(np.int64) * _HOUR) * _US + offset_us
    active = ~down[local, slot]

    # Stores that switch their tablet off at closing time read inactive outside their hours.
    closed = ~_inside_hours(fleet, window, store, slot, ts_us)
    goes_offline = fleet.offline_when_closed[store] & (rng.random(len(store)) < 0.9)
    active &= ~(closed & goes_offline)

    # Near-duplicate polls, 0.1 s to minutes after another, sometimes with the other status
    # (mostly inactive followed by active, as in the real samples).
    dup = np.flatnonzero(rng.random(len(store)) < _NEAR_DUPLICATE_P)
    delay_us = (np.clip(rng.lognormal(np.log(20.0), 1.6, size=len(dup)), 0.1, 600) * _US).astype(
        np.int64
    )
    flip = rng.random(len(dup)) < np.where(active[dup], 0.2, 0.6)
    store = np.concatenate([store, store[dup]])
    ts_us = np.concatenate([ts_us, ts_us[dup] + delay_us])
    active = np.concatenate([active, active[dup] ^ flip])

    hole_from_us, hole_to_us = (int(t * _US) for t in window.hole)
    keep = (ts_us >= window.start * _US) & (ts_us < window.end * _US)
    keep &= (ts_us < hole_from_us) | (ts_us >= hole_to_us)
    store, ts_us, active = store[keep], ts_us[keep], active[keep]

    # Every polled store has at least one poll, or it would not be a polled store.
    silent = np.flatnonzero(np.bincount(store - lo, minlength=n) == 0) + lo
    if len(silent):
        extra_us = _instants_outside_hole(rng, window, len(silent))
        store = np.concatenate([store, silent])
        ts_us = np.concatenate([ts_us, extra_us])
        active = np.concatenate([active, rng.random(len(silent)) < 0.8])

    # File order: time-ordered blocks of a few hundred to a few thousand rows, shuffled.
    order = np.argsort(ts_us, kind="stable")
    cuts = np.cumsum(rng.integers(200, 5_000, size=len(order) // 200 + 1))
    blocks = np.split(order, cuts[cuts < len(order)])
    order = np.concatenate([blocks[b] for b in rng.permutation(len(blocks))])
    return fleet.ids[store[order]], active[order], ts_us[order]


def _instants_outside_hole(rng: np.random.Generator, window: _Window, n: int) -> np.ndarray:
    """Draw n instants (microseconds) uniformly in the window but outside the hole."""
    hole_from, hole_to = window.hole
    hole_from = min(max(hole_from, window.start), window.end)
    hole_to = min(max(hole_to, window.start), window.end)
    open_s = (window.end - window.start) - (hole_to - hole_from)
    t = window.start + rng.uniform(0, open_s, size=n)
    t = np.where(t >= hole_from, t + (hole_to - hole_from), t)
    return np.minimum((t * _US).astype(np.int64), window.end * _US - 1)


def _inside_hours(
    fleet: _Fleet, window: _Window, store: np.ndarray, slot: np.ndarray, ts_us: np.ndarray
) -> np.ndarray:
    """Whether each poll falls inside its store's business hours (docs/report.md; no rows = 24x7).

    UTC offsets are taken at the poll's hour slot: every zone used changes offset only on a
    whole UTC hour, so that is exact.
    """
    local_s = ts_us // _US + window.zone_offsets[fleet.zone[store], slot]
    local_day = local_s // _DAY
    weekday = (local_day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    second = (local_s - local_day * _DAY).astype(np.int32)
    row = fleet.hours_index[store]
    has = np.flatnonzero(row >= 0)
    # One gather of the store-day's 3 (start, end) pairs, then plain column comparisons.
    day_rows = fleet.hours.reshape(-1, 6)[row[has] * 7 + weekday[has]]
    sec = second[has]
    inside_has = np.zeros(len(has), dtype=bool)
    for k in range(3):
        start, end = day_rows[:, 2 * k], day_rows[:, 2 * k + 1]
        end = np.where(end >= _EOD_MINUTE, _DAY, end)
        inside_has |= (start >= 0) & (start <= sec) & (sec < end)
    inside = np.ones(len(store), dtype=bool)
    inside[has] = inside_has
    return inside
