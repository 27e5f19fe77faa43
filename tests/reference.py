"""Brute-force reference of the report defined in docs/report.md, in plain Python.

Written independently of the DuckDB engine and meant to be obviously right rather than fast.
Instants are integer microseconds since the Unix epoch; midpoints between observations can fall
on half a microsecond, so every instant used for windowing is a ``Fraction`` of microseconds.

Method ("elementary intervals"): for one store and one window, collect every instant where
anything can change (window edges, the UTC instants of every local business-hour boundary,
the zone's UTC-offset changes, observation instants and midpoints between observations).
Between two consecutive such instants both "inside business hours?" and "status?" are
constant, so each is evaluated once, at the sub-interval's midpoint, and lengths are added up.
Adding extra breakpoints never changes a result; missing one would, so the collection errs on
the side of too many.

Choices where the rules of docs/report.md alone are silent (the engine follows the same list):
1. Exact values rounded half-up to 2 decimals (minutes for the hour, hours for day/week).
2. An end time >= 23:59:00 means 24:00 (``24:00``/``24:00:00`` are accepted too); then
   end < start runs into the next weekday, end == start covers 24 h from start.
3. Polls at exactly ``as_of`` count; report stores have at least one poll <= as_of;
   now = as_of, else the latest poll.
4. Timestamps ``YYYY-MM-DD[ T]HH:MM:SS[.f]`` with `` UTC``, ``Z``, ``+HH:MM`` or no suffix
   (UTC); fraction digits beyond 6 are truncated.
5. Fields trimmed; status case-insensitive; unknown zone names -> America/Chicago; the first
   valid zone row of a store (file order) wins; bad rows are rejected.
6. Observations = polls inside business hours, else all polls; same instant: inactive wins.
   nearest: ties go to the later observation; carry_forward: the first status holds before it.
7. Windows [now - 1 h, now), [now - 24 h, now), [now - 168 h, now) in real elapsed time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pandas as pd

REPORT_COLUMNS = [
    "store_id",
    "uptime_last_hour",
    "uptime_last_day",
    "uptime_last_week",
    "downtime_last_hour",
    "downtime_last_day",
    "downtime_last_week",
]
DEFAULT_ZONE = "America/Chicago"

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
UTC = timezone.utc

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"\s*(UTC|Z|[+-]\d{2}:\d{2})?",
    re.IGNORECASE,
)
_LOCAL_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?")


# --------------------------------------------------------------------------- parsing


def parse_timestamp(text: str | datetime) -> int | None:
    """Return microseconds since the epoch (UTC), or None when unparseable."""
    if isinstance(text, datetime):
        aware = text if text.tzinfo is not None else text.replace(tzinfo=UTC)
        return (aware - EPOCH) // timedelta(microseconds=1)
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, suffix = match.groups()
    micro = int((fraction or "").ljust(6, "0")[:6])
    try:
        naive = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro
        )
    except ValueError:
        return None
    offset = timedelta(0)
    if suffix is not None and suffix[0] in "+-":
        sign = 1 if suffix[0] == "+" else -1
        hours, minutes = int(suffix[1:3]), int(suffix[4:6])
        if minutes > 59:
            return None
        offset = sign * timedelta(hours=hours, minutes=minutes)
    aware = naive.replace(tzinfo=UTC) - offset
    return (aware - EPOCH) // timedelta(microseconds=1)


def parse_local_time(text: str, is_end: bool) -> int | None:
    """Return a local wall-clock time as microseconds after midnight, or None when invalid.

    Ends from 23:59:00 on, and an end written ``24:00`` or ``24:00:00``, mean 24:00.
    """
    text = text.strip()
    if is_end and text in ("24:00", "24:00:00"):
        return US_PER_DAY
    match = _LOCAL_TIME.fullmatch(text)
    if match is None:
        return None
    hour, minute, second, fraction = match.groups()
    hour, minute, second = int(hour), int(minute), int(second or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    micro = int((fraction or "").ljust(6, "0")[:6])
    value = hour * US_PER_HOUR + minute * US_PER_MINUTE + second * US_PER_SECOND + micro
    if is_end and value >= 23 * US_PER_HOUR + 59 * US_PER_MINUTE:
        return US_PER_DAY
    return value


def parse_status(text: str) -> bool | None:
    """Return True for active, False for inactive, None for anything else."""
    word = text.strip().lower()
    if word == "active":
        return True
    if word == "inactive":
        return False
    return None


def parse_day(text: str) -> int | None:
    """Return the weekday 0 (Monday) .. 6 (Sunday), or None."""
    text = str(text).strip()
    if not re.fullmatch(r"\d+", text):
        return None
    day = int(text)
    return day if 0 <= day <= 6 else None


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


# --------------------------------------------------------------------------- stores


@dataclass
class Store:
    """Everything the report needs about one store, already validated."""

    zone: ZoneInfo
    # Weekday intervals (day, start_us, end_us) with 0 <= start < end <= 24 h; empty = 24x7.
    intervals: list[tuple[int, int, int]]
    # Observation instants (us) -> active?, sorted by instant.
    observations: list[tuple[int, bool]]


def expand_row(day: int, start: int, end: int) -> list[tuple[int, int, int]]:
    """Split one business-hours row into intervals that each stay within one weekday."""
    next_day = (day + 1) % 7
    if end > start:
        return [(day, start, end)]
    # end < start runs past midnight; end == start is 24 h from start. Both are the same split.
    return [(day, start, US_PER_DAY), (next_day, 0, end)]


def utc_datetime(us: int) -> datetime:
    """Return the aware UTC datetime of an instant in microseconds."""
    return EPOCH + timedelta(microseconds=us)


def local_datetime(us: int, zone: ZoneInfo) -> datetime:
    """Return the local wall clock of an instant, as an aware datetime in ``zone``."""
    return utc_datetime(us).astimezone(zone)


def in_business_hours(us: int, store: Store) -> bool:
    """Is the instant inside the store's business hours (by its local wall clock)?"""
    if not store.intervals:
        return True
    local = local_datetime(us, store.zone)
    time_of_day = (
        local.hour * US_PER_HOUR
        + local.minute * US_PER_MINUTE
        + local.second * US_PER_SECOND
        + local.microsecond
    )
    weekday = local.weekday()
    return any(
        day == weekday and start <= time_of_day < end for day, start, end in store.intervals
    )


def status_at(t: Fraction, observations: Sequence[tuple[int, bool]], method: str) -> bool:
    """Return the status (True = active) at instant ``t`` by direct search."""
    if method == "nearest":
        best_distance, best_status = None, None
        for instant, active in observations:  # ascending, so ``<=`` gives ties to the later
            distance = abs(t - instant)
            if best_distance is None or distance <= best_distance:
                best_distance, best_status = distance, active
        return best_status
    if method == "carry_forward":
        status = observations[0][1]
        for instant, active in observations:
            if instant <= t:
                status = active
        return status
    raise ValueError(f"unknown method {method!r}")


def local_wall_to_utc(local: datetime, zone: ZoneInfo) -> set[int]:
    """Return the 0, 1 or 2 UTC instants (us) whose wall clock in ``zone`` is ``local``."""
    instants = set()
    for fold in (0, 1):
        aware = local.replace(tzinfo=zone, fold=fold)
        us = (aware - EPOCH) // timedelta(microseconds=1)
        back = local_datetime(us, zone).replace(tzinfo=None, fold=0)
        if back == local.replace(tzinfo=None, fold=0):  # a wall time in a gap won't round-trip
            instants.add(us)
    return instants


def offset_changes(zone: ZoneInfo, lo: int, hi: int) -> set[int]:
    """Return the instants in [lo, hi] where the zone's UTC offset changes (first new us)."""
    step = 30 * US_PER_MINUTE
    changes = set()
    t = lo
    while t < hi:
        a, b = t, min(t + step, hi)
        if local_datetime(a, zone).utcoffset() != local_datetime(b, zone).utcoffset():
            while b - a > 1:  # bisect: a keeps the old offset, b has the new one
                mid = (a + b) // 2
                if local_datetime(mid, zone).utcoffset() == local_datetime(a, zone).utcoffset():
                    a = mid
                else:
                    b = mid
            changes.add(b)
        t += step
    return changes


def breakpoints(store: Store, lo: int, hi: int) -> set[Fraction]:
    """Return every instant in which business hours or status may change around [lo, hi]."""
    points: set[Fraction] = set()
    # Business-hour boundaries, as UTC instants of local wall times on every nearby date.
    boundary_times = {0}
    for _, start, end in store.intervals:
        boundary_times.update({start % US_PER_DAY, end % US_PER_DAY})
    first = utc_datetime(lo).date() - timedelta(days=3)
    last = utc_datetime(hi).date() + timedelta(days=3)
    day: date = first
    while day <= last:
        midnight = datetime(day.year, day.month, day.day)
        for time_of_day in boundary_times:
            local = midnight + timedelta(microseconds=time_of_day)
            points.update(Fraction(us) for us in local_wall_to_utc(local, store.zone))
        day += timedelta(days=1)
    points.update(
        Fraction(us) for us in offset_changes(store.zone, lo - US_PER_DAY, hi + US_PER_DAY)
    )
    # Status changes: observation instants (carry_forward) and midpoints (nearest).
    instants = [instant for instant, _ in store.observations]
    points.update(Fraction(us) for us in instants)
    points.update(Fraction(a + b, 2) for a, b in zip(instants, instants[1:], strict=False))
    return points


def window_totals(store: Store, lo: int, hi: int, method: str) -> tuple[Fraction, Fraction]:
    """Return (uptime, downtime) in microseconds inside [lo, hi) and inside business hours."""
    inner = sorted(p for p in breakpoints(store, lo, hi) if lo < p < hi)
    edges = [Fraction(lo), *inner, Fraction(hi)]
    up = down = Fraction(0)
    for a, b in zip(edges, edges[1:], strict=False):
        middle = (a + b) / 2
        # Hour boundaries are whole microseconds and none lies inside (a, b), so the whole
        # microsecond that contains the midpoint has the same business-hours answer.
        if not in_business_hours(math.floor(middle), store):
            continue
        if status_at(middle, store.observations, method):
            up += b - a
        else:
            down += b - a
    return up, down


def round_half_up(value: Fraction) -> float:
    """Round a non-negative exact value half-up to 2 decimals."""
    return float(Fraction(math.floor(value * 100 + Fraction(1, 2)), 100))


# --------------------------------------------------------------------------- the report


def _rows(data: Iterable | pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    if isinstance(data, pd.DataFrame):
        data = data.rename(columns={"dayOfWeek": "day"})
        return list(data[list(columns)].astype(str).itertuples(index=False, name=None))
    return [tuple(str(value) for value in row) for row in data]


def compute_reference(
    polls: Iterable | pd.DataFrame,
    hours: Iterable | pd.DataFrame,
    zones: Iterable | pd.DataFrame,
    as_of: str | datetime | None = None,
    method: str = "nearest",
) -> pd.DataFrame:
    """Compute the report of docs/report.md by brute force.

    Args:
        polls: Rows (store_id, timestamp_utc, status) as raw strings, in file order.
        hours: Rows (store_id, day, start_time_local, end_time_local) as raw strings.
        zones: Rows (store_id, timezone_str) as raw strings, in file order.
        as_of: Optional report instant; polls strictly after it are ignored.
        method: ``nearest`` or ``carry_forward``.

    Returns:
        One row per store in docs/report.md's output format, sorted by store_id.
    """
    if method not in ("nearest", "carry_forward"):
        raise ValueError(f"unknown method {method!r}")
    cutoff = None if as_of is None else parse_timestamp(as_of)
    if as_of is not None and cutoff is None:
        raise ValueError(f"unparseable as_of {as_of!r}")

    valid_polls: dict[str, list[tuple[int, bool]]] = {}
    for store_id, timestamp, status in _rows(polls, ("store_id", "timestamp_utc", "status")):
        store_id, instant, active = (
            store_id.strip(),
            parse_timestamp(timestamp),
            parse_status(status),
        )
        if not store_id or instant is None or active is None:
            continue
        if cutoff is not None and instant > cutoff:
            continue
        valid_polls.setdefault(store_id, []).append((instant, active))
    if not valid_polls:
        return pd.DataFrame({column: [] for column in REPORT_COLUMNS}).astype(
            {column: float for column in REPORT_COLUMNS[1:]}
        )
    now = cutoff if cutoff is not None else max(i for ps in valid_polls.values() for i, _ in ps)

    intervals: dict[str, list[tuple[int, int, int]]] = {}
    for store_id, day, start, end in _rows(
        hours, ("store_id", "day", "start_time_local", "end_time_local")
    ):
        store_id, day = store_id.strip(), parse_day(day)
        start, end = parse_local_time(start, is_end=False), parse_local_time(end, is_end=True)
        if not store_id or day is None or start is None or end is None:
            continue
        intervals.setdefault(store_id, []).extend(expand_row(day, start, end))

    zone_names: dict[str, str] = {}
    for store_id, name in _rows(zones, ("store_id", "timezone_str")):
        # a row with an unknown zone is a bad row: rejected, so a later valid row can hold
        if store_id.strip() and name.strip() in _known_zones():
            zone_names.setdefault(store_id.strip(), name.strip())

    report = []
    for store_id in sorted(valid_polls):
        name = zone_names.get(store_id, DEFAULT_ZONE)
        zone = ZoneInfo(name if name in _known_zones() else DEFAULT_ZONE)
        store = Store(zone=zone, intervals=intervals.get(store_id, []), observations=[])
        merged: dict[int, bool] = {}
        for instant, active in valid_polls[store_id]:
            merged[instant] = merged.get(instant, True) and active  # inactive wins
        all_polls = sorted(merged.items())
        inside = [(i, a) for i, a in all_polls if in_business_hours(i, store)]
        store.observations = inside or all_polls
        row = {"store_id": store_id}
        for suffix, length, unit in (
            ("hour", US_PER_HOUR, US_PER_MINUTE),
            ("day", US_PER_DAY, US_PER_HOUR),
            ("week", 7 * US_PER_DAY, US_PER_HOUR),
        ):
            up, down = window_totals(store, now - length, now, method)
            row[f"uptime_last_{suffix}"] = round_half_up(up / unit)
            row[f"downtime_last_{suffix}"] = round_half_up(down / unit)
        report.append(row)
    return pd.DataFrame(report, columns=REPORT_COLUMNS)
