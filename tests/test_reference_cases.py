"""Hand-made report cases: the reference against hand-computed numbers, the engine against both.

Each case builds a small raw data set. Where the right answer is easy to work out by hand it is
written down (as ``up/down`` for hour (minutes), day and week (hours)), which checks the
reference itself; every case is then written as a CSV folder and ``storemon.compute_report``
must agree with the reference exactly, for both methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from cases import Dataset, hourly, local, report_differences, utc, utc_text, write_dataset
from reference import REPORT_COLUMNS

METHODS = ("nearest", "carry_forward")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class Case:
    """One data set, its report instant and the hand-computed values we are sure of."""

    data: Dataset
    as_of: str | None = None
    # method -> store_id -> (up hour, up day, up week, down hour, down day, down week)
    expected: dict[str, dict[str, tuple]] = field(default_factory=dict)
    # stores that must not be in the report
    absent: tuple[str, ...] = ()


def both(values: dict[str, tuple]) -> dict[str, dict[str, tuple]]:
    """The same expected values for both methods."""
    return {method: values for method in METHODS}


def active_every_hour(data: Dataset, store: str, start: datetime, end: datetime) -> None:
    """Poll ``store`` active every hour from start to end."""
    for instant in hourly(start, end):
        data.poll(store, instant, "active")


# --------------------------------------------------------------------------- the cases


def spec_example() -> Case:
    """docs/report.md's worked example, with a 19-digit id beyond int64 to catch float ids."""
    store = "9999999999999999999"
    data = Dataset().zone(store, "America/New_York").hour_row(store, 0, "09:00:00", "12:00:00")
    data.poll(store, local("America/New_York", "2023-01-23 08:00"), "active")  # outside hours
    data.poll(store, local("America/New_York", "2023-01-23 10:14"), "inactive")
    data.poll(store, local("America/New_York", "2023-01-23 11:15"), "active")
    data.poll(store, local("America/New_York", "2023-01-23 12:30"), "inactive")  # outside
    data.poll(store, utc("2023-01-23 18:00"), "inactive")  # outside; sets now = 13:00 local
    return Case(
        data,
        expected={
            "nearest": {store: (0.0, 1.26, 1.26, 0.0, 1.74, 1.74)},
            "carry_forward": {store: (0.0, 0.75, 0.75, 0.0, 2.25, 2.25)},
        },
    )


def rounding() -> Case:
    """Exact values on x.xx5 and half-microsecond midpoints: half-up of the exact value."""
    now = utc("2024-05-01 12:00")
    data = Dataset()
    # r1: carry_forward uptime 740.7 s = 12.345 min = 0.20575 h.
    data.poll("r1", now - 2 * HOUR, "inactive")
    data.poll("r1", now - timedelta(seconds=740.7), "active")
    data.poll("r1", now, "active")
    # r2: carry_forward uptime 3618 s = 1.005 h, downtime 22.995 h (day) and 166.995 h (week).
    data.poll("r2", now - 3 * HOUR, "inactive")
    data.poll("r2", now - timedelta(seconds=3618), "active")
    data.poll("r2", now, "active")
    # r3: nearest midpoint at now - 740.6999995 s: uptime 12.3449999917 min -> 12.34.
    data.poll("r3", now - timedelta(seconds=1481, microseconds=399999), "inactive")
    data.poll("r3", now, "active")
    # r4: nearest midpoint at now - 740.7000005 s: downtime 2859.2999995 s -> 47.65 min.
    data.poll("r4", now - timedelta(seconds=1481, microseconds=400001), "inactive")
    data.poll("r4", now, "active")
    return Case(
        data,
        expected={
            "carry_forward": {
                "r1": (12.35, 0.21, 0.21, 47.66, 23.79, 167.79),
                "r2": (60.0, 1.01, 1.01, 0.0, 23.0, 167.0),
            },
            "nearest": {
                "r1": (60.0, 1.1, 1.1, 0.0, 22.9, 166.9),
                "r2": (60.0, 2.0, 2.0, 0.0, 22.0, 166.0),
                "r3": (12.34, 0.21, 0.21, 47.66, 23.79, 167.79),
                "r4": (12.35, 0.21, 0.21, 47.65, 23.79, 167.79),
            },
        },
    )


DST_WEEKS = {
    # zone: (spring-forward Sunday, fall-back Sunday)
    "America/New_York": ("2024-03-10", "2024-11-03"),
    "America/Los_Angeles": ("2024-03-10", "2024-11-03"),
    "America/Phoenix": ("2024-03-10", "2024-11-03"),
    "Europe/Berlin": ("2024-03-31", "2024-10-27"),
    "Australia/Lord_Howe": ("2024-10-06", "2024-04-07"),  # half-hour shifts at 02:00
}
# Sunday business time (hours) of each store on (spring, fall) Sunday, per zone.
DST_SUNDAY_HOURS = {
    "America/New_York": {"daily_1_3": (1, 3), "gap_row": (1, 1.5), "overnight": (2, 3.5)},
    "America/Los_Angeles": {"daily_1_3": (1, 3), "gap_row": (1, 1.5), "overnight": (2, 3.5)},
    "America/Phoenix": {"daily_1_3": (2, 2), "gap_row": (1.5, 1.5), "overnight": (2.5, 2.5)},
    # Fall: 02:30-03:00 CEST, then 02:00-02:30 CET is outside again, 02:30-04:00 CET.
    "Europe/Berlin": {"daily_1_3": (1, 3), "gap_row": (1, 2), "overnight": (2, 3)},
    # Spring skips 02:00-02:30; fall repeats 01:30-02:00.
    "Australia/Lord_Howe": {"daily_1_3": (1.5, 2.5), "gap_row": (1.5, 1.5), "overnight": (2, 3)},
}


def dst_week(zone: str, season: int) -> Case:
    """A week holding a DST change, hours touching 01:00-03:00, report on Monday 12:00 local."""
    sunday = DST_WEEKS[zone][season]
    monday = (datetime.fromisoformat(sunday) + DAY).date().isoformat()
    now = local(zone, f"{monday} 12:00")
    data = Dataset()
    for store in ("daily_1_3", "gap_row", "overnight", "dst_status"):
        data.zone(store, zone)
    for day in range(7):
        data.hour_row("daily_1_3", day, "01:00:00", "03:00:00")
        data.hour_row("dst_status", day, "01:00", "03:00")
    data.hour_row("gap_row", 6, "02:30:00", "04:00:00")  # 02:30 is skipped in spring
    data.hour_row("overnight", 5, "23:00:00", "02:30:00")  # Saturday into Sunday
    # Hourly polls on the half hour (UTC), some after as_of (ignored).
    first_inside = None
    for instant in hourly(now - 8 * DAY + timedelta(minutes=30), now + 3 * HOUR):
        for store in ("daily_1_3", "gap_row", "overnight"):
            data.poll(store, instant, "active")
        wall = instant.astimezone(ZoneInfo(zone))
        inside = wall.date().isoformat() == sunday and 1 <= wall.hour < 3
        status = "inactive" if inside and first_inside is None else "active"
        if inside and first_inside is None:
            first_inside = instant
        data.poll("dst_status", instant, status)
    spring_or_fall = DST_SUNDAY_HOURS[zone]
    daily = spring_or_fall["daily_1_3"][season]
    expected = {
        "daily_1_3": (0.0, 2.0, 12 + daily, 0.0, 0.0, 0.0),
        "gap_row": (0.0, 0.0, spring_or_fall["gap_row"][season], 0.0, 0.0, 0.0),
        "overnight": (0.0, 0.0, 1 + spring_or_fall["overnight"][season], 0.0, 0.0, 0.0),
    }
    by_method = {method: dict(expected) for method in METHODS}
    if zone == "America/New_York":
        # The first in-hours Sunday poll is inactive. Spring: 06:30Z (01:30 EST) is the only
        # poll of the one open hour 06:00-07:00Z; carry_forward holds Saturday's active until
        # 06:30Z and then inactive until Monday's first poll at 01:30 EDT (05:30Z).
        # Fall: open 05:00-08:00Z, 05:30Z (01:30 EDT) inactive, 06:30Z (01:30 EST) active:
        # nearest switches at 06:00Z; carry_forward is down 05:30-06:30Z.
        if season == 0:
            by_method["nearest"]["dst_status"] = (0.0, 2.0, 12.0, 0.0, 0.0, 1.0)
            by_method["carry_forward"]["dst_status"] = (0.0, 1.5, 12.0, 0.0, 0.5, 1.0)
        else:
            by_method["nearest"]["dst_status"] = (0.0, 2.0, 14.0, 0.0, 0.0, 1.0)
            by_method["carry_forward"]["dst_status"] = (0.0, 2.0, 14.0, 0.0, 0.0, 1.0)
    return Case(data, as_of=utc_text(now), expected=by_method)


def dst_last_hour(season: int) -> Case:
    """New York, Sunday 01:00-03:00, the last hour ending 30 min after the clock change."""
    store = "ny"
    data = Dataset().zone(store, "America/New_York")
    data.zone("always", "America/New_York")
    data.hour_row(store, 6, "01:00:00", "03:00:00")
    change = utc("2024-03-10 07:00") if season == 0 else utc("2024-11-03 06:00")
    now = change + timedelta(minutes=30)
    for instant in hourly(now - 2 * DAY, now, timedelta(minutes=20)):
        data.poll(store, instant, "active")
        data.poll("always", instant, "inactive")
    # Spring: [01:30 EST, 03:30 EDT) holds 30 open minutes; fall: [01:30 EDT, 01:30 EST) is 60.
    # The day holds this Sunday's open time up to now; the week also the last half hour of the
    # previous Sunday's 01:00-03:00 (the window starts at its 02:30).
    minutes = 30.0 if season == 0 else 60.0
    day_hours = 1.0 if season == 0 else 1.5
    return Case(
        data,
        as_of=utc_text(now),
        expected=both(
            {
                store: (minutes, day_hours, day_hours + 0.5, 0.0, 0.0, 0.0),
                "always": (0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
            }
        ),
    )


def midnight_rows() -> Case:
    """Late nights split at midnight, 23:59 ends, end < start: no gap at midnight."""
    zone = "America/Chicago"
    now = local(zone, "2024-01-09 00:30")  # Tuesday 00:30 local
    data = Dataset()
    rows = {
        "split_235959": [(0, "18:00:00", "23:59:59"), (1, "00:00:00", "02:00:00")],
        "split_2359": [(0, "18:00:00", "23:59:00"), (1, "00:00:00", "02:00:00")],
        "split_2400": [(0, "18:00", "24:00"), (1, "00:00", "02:00")],
        "split_240000": [(0, "18:00:00", "24:00:00"), (1, "00:00:00", "02:00:00")],
        "overnight": [(0, "18:00:00", "02:00:00")],
        "end_235859": [(0, "18:00:00", "23:58:59"), (1, "00:00:00", "02:00:00")],
    }
    for store, store_rows in rows.items():
        data.zone(store, zone)
        for day, start, end in store_rows:
            data.hour_row(store, day, start, end)
        active_every_hour(data, store, now - 8 * DAY, now)
    # Day: Monday 18:00-24:00 + Tuesday 00:00-00:30; the week also holds the previous
    # Tuesday's 00:30-02:00.
    full = (60.0, 6.5, 8.0, 0.0, 0.0, 0.0)
    # 23:58:59 is not an end of day: 23:30-23:58:59 + 00:00-00:30 = 58.98 min.
    short = (58.98, 6.48, 7.98, 0.0, 0.0, 0.0)
    expected = {store: full for store in rows}
    expected["end_235859"] = short
    return Case(data, as_of=utc_text(now), expected=both(expected))


def sunday_rollover() -> Case:
    """A Sunday row past midnight continues on Monday."""
    zone = "America/Chicago"
    now = local(zone, "2024-01-08 00:30")  # Monday 00:30 local
    data = Dataset().zone("sun", zone).zone("sun_split", zone)
    data.hour_row("sun", 6, "22:00:00", "02:00:00")
    data.hour_row("sun_split", 6, "22:00:00", "23:59:00")
    data.hour_row("sun_split", 0, "00:00:00", "02:00:00")
    for store in ("sun", "sun_split"):
        active_every_hour(data, store, now - 8 * DAY, now)
    # Week: Sunday 22:00 to Monday 00:30 plus the previous Monday 00:30-02:00... which is before
    # the window start (Monday 00:30 - 7 days), i.e. 01:30 of it is in.
    values = (60.0, 2.5, 4.0, 0.0, 0.0, 0.0)
    return Case(data, as_of=utc_text(now), expected=both({"sun": values, "sun_split": values}))


def end_equals_start() -> Case:
    """end == start covers 24 hours from start."""
    zone = "America/Chicago"
    now = local(zone, "2024-01-11 12:00")  # Thursday noon
    data = Dataset().zone("wed", zone).zone("fri_midnight", zone)
    data.hour_row("wed", 2, "10:00:00", "10:00:00")
    data.hour_row("fri_midnight", 4, "00:00:00", "00:00:00")
    for store in ("wed", "fri_midnight"):
        active_every_hour(data, store, now - 8 * DAY, now)
    # fri_midnight: Friday 2024-01-05 is in the week window [Thu 01-04 12:00, Thu 01-11 12:00).
    return Case(
        data,
        as_of=utc_text(now),
        expected=both(
            {
                "wed": (0.0, 22.0, 24.0, 0.0, 0.0, 0.0),
                "fri_midnight": (0.0, 0.0, 24.0, 0.0, 0.0, 0.0),
            }
        ),
    )


def overlaps() -> Case:
    """Overlapping, touching and duplicated rows are a union."""
    zone = "America/Denver"
    now = local(zone, "2024-01-08 20:00")  # Monday 20:00
    data = Dataset().zone("union", zone)
    for start, end in [("09:00", "12:00"), ("11:00", "14:00"), ("14:00", "15:00"),
                       ("09:00", "12:00"), ("10:00", "10:30")]:  # fmt: skip
        data.hour_row("union", 0, start + ":00", end + ":00")
    data.hour_row("union", 6, "20:00:00", "23:59:00")  # touches Monday 00:00 below
    data.hour_row("union", 0, "00:00:00", "01:00:00")
    active_every_hour(data, "union", now - 8 * DAY, now)
    # Day [Sun 20:00, Mon 20:00): Sun 20-24 (4) + Mon 00-01 (1) + Mon 09-15 (6) = 11 h.
    # Week [Mon 01-01 20:00, Mon 01-08 20:00): the same, since the previous Monday is out.
    return Case(
        data, as_of=utc_text(now), expected=both({"union": (0.0, 11.0, 11.0, 0.0, 0.0, 0.0)})
    )


def defaults() -> Case:
    """24x7 without hours; America/Chicago without zone, with an unknown or inexact zone."""
    now = utc("2024-01-08 16:00")  # Monday 10:00 in Chicago, 11:00 in New York
    data = Dataset()
    data.zone("bad_hours", "America/Chicago")
    for row in [(7, "09:00", "10:00"), ("x", "09:00", "10:00"), (1, "25:00", "10:00"),
                (1, "09:00", "abc"), (-1, "09:00", "10:00")]:  # fmt: skip
        data.hour_row("bad_hours", *row)
    data.zone("unknown_zone", "Mars/Olympus_Mons")
    data.zone("lower_zone", "america/new_york")
    data.zone("spaced_zone", "  America/New_York  ")
    data.zone("first_zone_wins", "America/New_York")
    data.zone("first_zone_wins", "America/Chicago")
    data.zone("first_valid_zone_wins", "Mars/Olympus_Mons")  # rejected: the next row holds
    data.zone("first_valid_zone_wins", "America/New_York")
    data.zone("never_polled", "America/Chicago").hour_row("never_polled", 0, "09:00", "10:00")
    for store in ("no_zone", "unknown_zone", "lower_zone", "spaced_zone", "first_zone_wins",
                  "first_valid_zone_wins"):  # fmt: skip
        data.hour_row(store, 0, "09:00:00", "10:00:00")
    for store in ("no_hours", "bad_hours", "no_zone", "unknown_zone", "lower_zone",
                  "spaced_zone", "first_zone_wins", "first_valid_zone_wins"):  # fmt: skip
        active_every_hour(data, store, now - 8 * DAY, now)
    chicago = (60.0, 1.0, 1.0, 0.0, 0.0, 0.0)  # 09:00-10:00 CST is the last hour
    new_york = (0.0, 1.0, 1.0, 0.0, 0.0, 0.0)  # 09:00-10:00 EST ended an hour ago
    always = (60.0, 24.0, 168.0, 0.0, 0.0, 0.0)
    return Case(
        data,
        as_of=utc_text(now),
        absent=("never_polled",),
        expected=both(
            {
                "no_hours": always,
                "bad_hours": always,
                "no_zone": chicago,
                "unknown_zone": chicago,
                "lower_zone": chicago,
                "spaced_zone": new_york,
                "first_zone_wins": new_york,
                "first_valid_zone_wins": new_york,
            }
        ),
    )


def few_polls() -> Case:
    """One poll only; no poll inside hours (all polls are used); duplicates that disagree."""
    zone = "America/Chicago"
    now = local(zone, "2024-01-08 12:00")  # Monday noon
    data = Dataset()
    data.poll("one_poll", now - 3 * DAY, "inactive")  # 24x7, the whole week is down
    data.zone("no_poll_inside", zone).hour_row("no_poll_inside", 0, "09:00:00", "10:00:00")
    data.poll("no_poll_inside", local(zone, "2024-01-08 08:00"), "inactive")
    data.poll("no_poll_inside", local(zone, "2024-01-08 11:00"), "active")
    data.zone("one_inside", zone).hour_row("one_inside", 0, "09:00:00", "10:00:00")
    data.poll("one_inside", local(zone, "2024-01-08 08:00"), "inactive")
    data.poll("one_inside", local(zone, "2024-01-08 09:50"), "active")
    data.poll("one_inside", local(zone, "2024-01-08 11:00"), "inactive")
    # The very same instant written two ways, disagreeing: inactive wins.
    data.poll("dup_only", "2024-01-08T15:00:00Z", "active")
    data.poll("dup_only", "2024-01-08 15:00:00.000000 UTC", "inactive")
    active_every_hour(data, "dup_mid", now - 8 * DAY, now)
    data.poll("dup_mid", now - 6 * HOUR, "inactive")  # same instant as an active poll
    data.poll("later_store", now, "active")  # sets now for everyone
    return Case(
        data,
        expected={
            "nearest": {
                "one_poll": (0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
                "no_poll_inside": (0.0, 0.5, 0.5, 0.0, 0.5, 0.5),
                "one_inside": (0.0, 1.0, 1.0, 0.0, 0.0, 0.0),
                "dup_only": (0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
                "dup_mid": (60.0, 23.0, 167.0, 0.0, 1.0, 1.0),
            },
            "carry_forward": {
                "one_poll": (0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
                "no_poll_inside": (0.0, 0.0, 0.0, 0.0, 1.0, 1.0),
                "one_inside": (0.0, 1.0, 1.0, 0.0, 0.0, 0.0),
                "dup_only": (0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
                "dup_mid": (60.0, 23.0, 167.0, 0.0, 1.0, 1.0),
            },
        },
    )


def as_of_cut() -> Case:
    """Polls after as_of are ignored; a poll exactly at as_of counts; half-way ties."""
    now = utc("2024-06-03 12:00")
    data = Dataset()
    active_every_hour(data, "cut", now - 8 * DAY, now)
    for instant in hourly(now + timedelta(minutes=1), now + DAY):
        data.poll("cut", instant, "inactive")  # after as_of: must not pull the status down
    data.poll("only_later", now + timedelta(seconds=1), "active")
    data.poll("at_as_of", now - HOUR, "active")
    data.poll("at_as_of", now, "inactive")
    # Midpoint exactly on the window start: now - 1 h (ties go to the later = active).
    data.poll("tie", now - 2 * HOUR, "inactive")
    data.poll("tie", now, "active")
    return Case(
        data,
        as_of="2024-06-03T12:00:00Z",
        absent=("only_later",),
        expected={
            "nearest": {
                "cut": (60.0, 24.0, 168.0, 0.0, 0.0, 0.0),
                "at_as_of": (30.0, 23.5, 167.5, 30.0, 0.5, 0.5),
                "tie": (60.0, 1.0, 1.0, 0.0, 23.0, 167.0),
            },
            "carry_forward": {
                "cut": (60.0, 24.0, 168.0, 0.0, 0.0, 0.0),
                "at_as_of": (60.0, 24.0, 168.0, 0.0, 0.0, 0.0),
                "tie": (0.0, 0.0, 0.0, 60.0, 24.0, 168.0),
            },
        },
    )


def extrapolation() -> Case:
    """A long hole in the polls: nearest splits it half way, carry_forward holds the last."""
    now = utc("2024-06-10 00:00")
    data = Dataset()
    active_every_hour(data, "hole", now - 8 * DAY, now - 120 * HOUR)
    for instant in hourly(now - 20 * HOUR, now):
        data.poll("hole", instant, "inactive")
    return Case(
        data,
        expected={
            "nearest": {"hole": (0.0, 0.0, 98.0, 60.0, 24.0, 70.0)},
            "carry_forward": {"hole": (0.0, 4.0, 148.0, 60.0, 20.0, 20.0)},
        },
    )


def formats() -> Case:
    """Timestamp variants, UUID ids, trimmed case-insensitive status, `day` header, BOM."""
    store = "3f2b8c1e-7d4a-4e9b-9c1d-2a5e6f7b8c9d"
    data = Dataset(day_column="day", bom=True, final_newline=False)
    data.zone(store, " America/Chicago ")
    data.poll(store, "2024-02-01T09:00:00Z", " Active ")
    data.poll(store, "2024-02-01 15:30:00+05:30", "INACTIVE")  # 10:00Z
    data.poll(store, "2024-02-01 11:00:00.123456789", "active")  # no suffix: UTC, truncated
    data.poll(store, "2024-02-01 12:00:00 +00:00", "active")  # now
    data.poll("  " + store + " ", "2024-02-01 08:00:00.5 UTC", "active")  # id is trimmed
    data.poll("", "2024-02-01 20:00:00 UTC", "inactive")  # empty id: rejected
    data.poll(store, "2024-02-01 21:00:00 UTC", "maybe")  # unknown status: rejected
    data.poll(store, "yesterday", "inactive")  # unparseable: rejected
    # nearest: down [09:30, 10:30:00.061728) = 1.00 h; carry: [10:00, 11:00:00.123456).
    return Case(
        data,
        expected={
            "nearest": {store: (60.0, 23.0, 167.0, 0.0, 1.0, 1.0)},
            "carry_forward": {store: (60.0, 23.0, 167.0, 0.0, 1.0, 1.0)},
        },
    )


def fraction_times() -> Case:
    """Local times with fractions of a second (9 digits are truncated to microseconds)."""
    zone = "America/Chicago"
    now = local(zone, "2024-01-08 10:00")  # Monday
    data = Dataset().zone("frac", zone)
    data.hour_row("frac", 0, "09:00:30.5", "09:31:00")
    data.hour_row("frac", 0, "09:40:00", "09:45:00.123456789")
    active_every_hour(data, "frac", now - 8 * DAY, now)
    # 30:29.5 + 5:00.123456 = 35:29.623456 = 35.4937 min = 0.5916 h.
    return Case(
        data, as_of=utc_text(now), expected=both({"frac": (35.49, 0.59, 0.59, 0.0, 0.0, 0.0)})
    )


def as_of_before_everything() -> Case:
    """No poll at or before as_of: an empty report with the right columns."""
    data = Dataset().poll("late", utc("2024-06-03 12:00"), "active")
    return Case(data, as_of="2024-06-01T00:00:00Z", absent=("late",))


CASES = {
    "spec_example": spec_example,
    "rounding": rounding,
    **{
        f"dst_{season_name}_{zone.split('/')[1].lower()}": (
            lambda zone=zone, season=season: dst_week(zone, season)
        )
        for zone in DST_WEEKS
        for season, season_name in enumerate(("spring", "fall"))
    },
    "dst_last_hour_spring": lambda: dst_last_hour(0),
    "dst_last_hour_fall": lambda: dst_last_hour(1),
    "midnight_rows": midnight_rows,
    "sunday_rollover": sunday_rollover,
    "end_equals_start": end_equals_start,
    "overlaps": overlaps,
    "defaults": defaults,
    "few_polls": few_polls,
    "as_of_cut": as_of_cut,
    "extrapolation": extrapolation,
    "formats": formats,
    "fraction_times": fraction_times,
    "as_of_before_everything": as_of_before_everything,
}
CASE_IDS = [(name, method) for name in CASES for method in METHODS]


# --------------------------------------------------------------------------- the tests


@cache
def reference_report(name: str, method: str) -> pd.DataFrame:
    """The reference report of a case (computed once: both tests of a case use it)."""
    case = CASES[name]()
    return case.data.reference(case.as_of, method)


@pytest.mark.parametrize(("name", "method"), CASE_IDS)
def test_reference_matches_hand_values(name: str, method: str) -> None:
    case = CASES[name]()
    report = reference_report(name, method).set_index("store_id")
    for store in case.absent:
        assert store not in report.index
    for store, values in case.expected.get(method, {}).items():
        assert store in report.index, f"{store} missing from the reference report"
        got = tuple(float(report.loc[store, column]) for column in REPORT_COLUMNS[1:])
        assert got == tuple(float(v) for v in values), f"{name}/{method}/{store}"


@pytest.mark.parametrize(("name", "method"), CASE_IDS)
def test_engine_matches_reference(name: str, method: str, tmp_path) -> None:
    from storemon import compute_report

    case = CASES[name]()
    folder = write_dataset(case.data, tmp_path / "data")
    engine = compute_report(folder, as_of=case.as_of, method=method)
    reference = reference_report(name, method)
    problems = report_differences(engine.reset_index(drop=True), reference)
    assert not problems, f"{name}/{method} as_of={case.as_of}:\n" + "\n".join(problems)
