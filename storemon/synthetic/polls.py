"""Synthetic polls: the time window, its polling hole, outages and the store_status rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from storemon.synthetic.fleet import ZONES, Fleet
from storemon.synthetic.hours import DAY, EOD_MINUTE, HOUR, US

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
_NEAR_DUPLICATE_P = 0.0025


@dataclass(frozen=True)
class Window:
    """The UTC time frame of the polls, in seconds since the epoch."""

    start: int
    end: int
    slot0: int  # start floored to the hour: polls come in hourly slots from here
    n_slots: int
    hole: tuple[float, float]  # fleet-wide polling hole [from, to)
    zone_offsets: np.ndarray  # (len(ZONES), n_slots) UTC offset in seconds at each slot


def draw_window(rng: np.random.Generator, start: int, days: float) -> Window:
    """Fix the window, the zones' UTC offsets per hour slot, and the fleet-wide hole."""
    end = start + round(days * DAY)
    slot0 = start - start % HOUR
    n_slots = -(-(end - slot0) // HOUR)
    slot_starts = [datetime.fromtimestamp(slot0 + k * HOUR, timezone.utc) for k in range(n_slots)]
    zone_offsets = np.array(
        [
            [t.astimezone(ZoneInfo(name)).utcoffset() // timedelta(seconds=1) for t in slot_starts]
            for name, _ in ZONES
        ],
        dtype=np.int64,
    )

    # The real 2023 hole lasts 36.9 h of a 186 h window and starts 59 % into it. Ours keeps
    # that share (at most 40 h) and starts near 45-65 %, but not within 6 h of a DST change:
    # a window chosen to span one must have polls around it.
    span_h = (end - start) / HOUR
    length_h = min(0.19 * span_h, 40.0)
    target_h = rng.uniform(0.45, 0.65) * span_h
    changes = np.flatnonzero(np.diff(zone_offsets, axis=1).any(axis=0)) + 1
    changes_h = (slot0 + changes * HOUR - start) / HOUR
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
    hole_from = start + from_h * HOUR + rng.uniform(0, 900)
    hole = (hole_from, hole_from + length_h * HOUR)
    return Window(start, end, slot0, n_slots, hole, zone_offsets)


# --- polls --------------------------------------------------------------------------------


def _poll_slots(rng: np.random.Generator, n: int, window: Window) -> np.ndarray:
    """Draw which hourly slots of n stores hold a poll: a (store, slot) boolean grid."""
    n_slots = window.n_slots
    slot_hour = (window.slot0 // HOUR + np.arange(n_slots)) % 24
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
    return present


def draw_polls(
    rng: np.random.Generator, fleet: Fleet, window: Window, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw the polls of stores [lo, hi): (store id, active, UTC microseconds) arrays.

    Rows come in time-ordered blocks that jump in time, like the real file.
    """
    n = hi - lo
    n_slots = window.n_slots
    present = _poll_slots(rng, n, window)

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
    offset_s = np.where(anywhere, rng.uniform(0, HOUR, size=len(local)), offset_s)
    offset_us = np.minimum((offset_s * US).astype(np.int64), HOUR * US - 1)
    ts_us = (window.slot0 + slot.astype(np.int64) * HOUR) * US + offset_us
    active = ~down[local, slot]

    # Stores that switch their tablet off at closing time read inactive outside their hours.
    closed = ~_inside_hours(fleet, window, store, slot, ts_us)
    goes_offline = fleet.offline_when_closed[store] & (rng.random(len(store)) < 0.9)
    active &= ~(closed & goes_offline)

    # Near-duplicate polls, 0.1 s to minutes after another, sometimes with the other status
    # (mostly inactive followed by active, as in the real samples).
    dup = np.flatnonzero(rng.random(len(store)) < _NEAR_DUPLICATE_P)
    delay_us = (np.clip(rng.lognormal(np.log(20.0), 1.6, size=len(dup)), 0.1, 600) * US).astype(
        np.int64
    )
    flip = rng.random(len(dup)) < np.where(active[dup], 0.2, 0.6)
    store = np.concatenate([store, store[dup]])
    ts_us = np.concatenate([ts_us, ts_us[dup] + delay_us])
    active = np.concatenate([active, active[dup] ^ flip])

    hole_from_us, hole_to_us = (int(t * US) for t in window.hole)
    keep = (ts_us >= window.start * US) & (ts_us < window.end * US)
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


def _instants_outside_hole(rng: np.random.Generator, window: Window, n: int) -> np.ndarray:
    """Draw n instants (microseconds) uniformly in the window but outside the hole."""
    hole_from, hole_to = window.hole
    hole_from = min(max(hole_from, window.start), window.end)
    hole_to = min(max(hole_to, window.start), window.end)
    open_s = (window.end - window.start) - (hole_to - hole_from)
    t = window.start + rng.uniform(0, open_s, size=n)
    t = np.where(t >= hole_from, t + (hole_to - hole_from), t)
    return np.minimum((t * US).astype(np.int64), window.end * US - 1)


def _inside_hours(
    fleet: Fleet, window: Window, store: np.ndarray, slot: np.ndarray, ts_us: np.ndarray
) -> np.ndarray:
    """Whether each poll falls inside its store's business hours (docs/report.md; no rows = 24x7).

    UTC offsets are taken at the poll's hour slot: every zone used changes offset only on a
    whole UTC hour, so that is exact.
    """
    local_s = ts_us // US + window.zone_offsets[fleet.zone[store], slot]
    local_day = local_s // DAY
    weekday = (local_day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    second = (local_s - local_day * DAY).astype(np.int32)
    row = fleet.hours_index[store]
    has = np.flatnonzero(row >= 0)
    # One gather of the store-day's 3 (start, end) pairs, then plain column comparisons.
    day_rows = fleet.hours.reshape(-1, 6)[row[has] * 7 + weekday[has]]
    sec = second[has]
    inside_has = np.zeros(len(has), dtype=bool)
    for k in range(3):
        start, end = day_rows[:, 2 * k], day_rows[:, 2 * k + 1]
        end = np.where(end >= EOD_MINUTE, DAY, end)
        inside_has |= (start >= 0) & (start <= sec) & (sec < end)
    inside = np.ones(len(store), dtype=bool)
    inside[has] = inside_has
    return inside
