"""Random data sets (hypothesis): the engine must agree exactly with the brute-force reference.

The strategy builds 1-4 stores with zones with and without DST (and unknown or missing ones),
random business hours (overnight rows, end == start, 23:59 ends, overlaps, missing days, none),
and random polls around a report instant that is often near a DST change: gaps from a second to
a day, microsecond fractions, mixed timestamp formats and same-instant duplicates.

A second, slower test checks the reference itself against plain sampling on a 30-second grid,
for data on whole minutes (where every change falls on that grid).
"""

from __future__ import annotations

import bisect
import os
import tempfile
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cases import Dataset, report_differences, write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import (
    DEFAULT_ZONE,
    REPORT_COLUMNS,
    parse_day,
    parse_local_time,
    parse_status,
    parse_timestamp,
    round_half_up,
)

UTC = timezone.utc
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Chicago",
    "America/St_Johns",
    "Europe/Berlin",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kolkata",
    "Mars/Olympus_Mons",  # unknown: America/Chicago
    None,  # no zone row: America/Chicago
]
# Clock changes (UTC instant, zone), all on a local Sunday, and one instant far from any.
BASES = [
    (datetime(2024, 3, 10, 7, tzinfo=UTC), "America/New_York"),  # spring forward
    (datetime(2024, 3, 10, 10, tzinfo=UTC), "America/Los_Angeles"),
    (datetime(2024, 11, 3, 6, tzinfo=UTC), "America/New_York"),  # fall back
    (datetime(2024, 11, 3, 9, tzinfo=UTC), "America/Los_Angeles"),
    (datetime(2024, 3, 31, 1, tzinfo=UTC), "Europe/Berlin"),
    (datetime(2024, 10, 27, 1, tzinfo=UTC), "Europe/Berlin"),
    (datetime(2024, 4, 6, 15, tzinfo=UTC), "Australia/Lord_Howe"),  # 30-minute fall back
    (datetime(2024, 11, 3, 4, 30, tzinfo=UTC), "America/St_Johns"),
    (datetime(2024, 3, 10, 5, 30, tzinfo=UTC), "America/St_Johns"),
    (datetime(2024, 10, 5, 15, 30, tzinfo=UTC), "Australia/Lord_Howe"),  # 30-minute spring
    (datetime(2024, 6, 15, 12, tzinfo=UTC), "America/Chicago"),
]
STORE_IDS = [
    "8419537941919820732",
    "9999999999999999999",
    "100000000000000",
    "0012345678901234567",
    "3f2b8c1e-7d4a-4e9b-9c1d-2a5e6f7b8c9d",
    "a0b1c2d3-0000-4000-8000-000000000001",
]
# Times in and around the hours that clocks skip or repeat (02:00-03:00, 02:00-02:30 in
# Lord Howe, 01:00-02:00 or 02:00-03:00 repeated), and a few ordinary ones.
SPECIAL_STARTS = ["00:00", "01:00", "01:30", "02:00", "02:15", "02:30", "02:45", "03:00", "09:00"]
SPECIAL_STARTS += ["02:10:30", "22:00", "23:30"]
SPECIAL_ENDS = [*SPECIAL_STARTS, "23:59:00", "23:59:59", "23:59:30", "24:00", "23:58:59"]


def _time_text(draw: st.DrawFn, special: list[str], whole_minutes: bool) -> str:
    if draw(st.integers(0, 2)) > 0:
        text = draw(st.sampled_from(special))
        if whole_minutes and text.count(":") == 2 and not text.endswith(":00"):
            text = text[:5]
        return text
    minute = draw(st.integers(0, 24 * 60 - 1))
    text = f"{minute // 60:02d}:{minute % 60:02d}"
    if whole_minutes or draw(st.booleans()):
        return text + draw(st.sampled_from(["", ":00"]))
    return text + f":{draw(st.integers(0, 59)):02d}"


def _timestamp_text(draw: st.DrawFn, instant: datetime) -> str:
    date, clock, micro = (
        instant.strftime("%Y-%m-%d"),
        instant.strftime("%H:%M:%S"),
        f"{instant.microsecond:06d}",
    )
    digits = draw(st.sampled_from(["keep", "short", "nine"]))
    if digits == "short":
        micro = micro.rstrip("0")  # the same instant with fewer digits (or none)
    elif digits == "nine":
        micro += f"{draw(st.integers(0, 999)):03d}"  # beyond microseconds: truncated
    fraction = f".{micro}" if micro else ""
    pattern = draw(
        st.sampled_from(["{d} {c}{f} UTC", "{d}T{c}{f}Z", "{d} {c}{f}+00:00", "{d} {c}{f}"])
    )
    return pattern.format(d=date, c=clock, f=fraction)


@st.composite
def scenarios(draw: st.DrawFn, whole_minutes: bool = False) -> tuple[Dataset, object, str]:
    """Return (data set, as_of, method)."""
    base, base_zone = draw(st.sampled_from(BASES))
    offset = draw(st.integers(-2 * 86400, 8 * 86400))
    if whole_minutes:
        offset -= offset % 60
    now = base + timedelta(seconds=offset)
    if not whole_minutes:
        now += timedelta(microseconds=draw(st.integers(0, 999_999)))
    data = Dataset()
    stores = draw(st.lists(st.sampled_from(STORE_IDS), min_size=1, max_size=4, unique=True))
    for store in stores:
        # Half the stores live in the zone of the clock change, so it matters.
        zone = draw(st.one_of(st.just(base_zone), st.sampled_from(ZONES)))
        if zone is not None:
            data.zone(store, zone)
            if draw(st.integers(0, 9)) == 0:
                data.zone(store, draw(st.sampled_from(ZONES[:8])))  # ignored: first row wins
        for _ in range(draw(st.integers(0, 6))):
            # Sundays (the change's weekday) and Saturdays (overnight into it) are favoured.
            day = draw(st.sampled_from([6, 6, 5, 0, 1, 2, 3, 4, 7]))  # 7 is a bad row
            start = _time_text(draw, SPECIAL_STARTS, whole_minutes)
            end = (
                start
                if draw(st.integers(0, 7)) == 0
                else _time_text(draw, SPECIAL_ENDS, whole_minutes)
            )
            data.hour_row(store, day, start, end)
        instant = now - timedelta(seconds=draw(st.integers(0, 9 * 86400)))
        if whole_minutes:
            instant = instant.replace(second=0, microsecond=0)
        active = draw(st.booleans())
        for _ in range(draw(st.integers(1, 40))):
            if draw(st.integers(0, 3)) == 0:
                active = not active
            data.poll(store, _timestamp_text(draw, instant), " Active" if active else "inactive")
            if draw(st.integers(0, 12)) == 0:  # a same-instant duplicate, maybe disagreeing
                data.poll(
                    store,
                    _timestamp_text(draw, instant),
                    draw(st.sampled_from(["active", "INACTIVE"])),
                )
            gap = draw(
                st.one_of(st.integers(1, 600), st.integers(1800, 5400), st.integers(3600, 86400))
            )
            if whole_minutes:
                instant += timedelta(minutes=max(1, gap // 60))
            else:
                instant += timedelta(seconds=gap, microseconds=draw(st.integers(0, 999_999)))
    choice = draw(st.sampled_from(["latest", "now", "poll"]))
    as_of: object = None
    if choice == "now":
        as_of = now
    elif choice == "poll":  # exactly at one poll's instant: that poll counts
        as_of = datetime.fromtimestamp(0, UTC) + timedelta(
            microseconds=parse_timestamp(draw(st.sampled_from(data.polls))[1])
        )
    method = draw(st.sampled_from(["nearest", "carry_forward"]))
    return data, as_of, method


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("STOREMON_RANDOM_EXAMPLES", "100")),
    deadline=None,
    derandomize=True,  # the same examples on every run and machine
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_engine_matches_reference_on_random_data(scenario) -> None:
    from storemon import compute_report

    data, as_of, method = scenario
    reference = data.reference(as_of, method)
    with tempfile.TemporaryDirectory() as folder:
        engine = compute_report(write_dataset(data, Path(folder)), as_of=as_of, method=method)
    problems = report_differences(engine.reset_index(drop=True), reference)
    assert not problems, f"as_of={as_of} method={method}\n" + "\n".join(problems)


# --------------------------------------------------------------------------- reference self-check


def _sampled_report(data: Dataset, as_of: object, method: str) -> dict[str, tuple]:
    """docs/report.md evaluated on a 30-second grid, written separately from the reference."""
    cutoff = None if as_of is None else parse_timestamp(as_of)
    polls: dict[str, dict[int, bool]] = {}
    for store, text, status in data.polls:
        instant, active = parse_timestamp(text), parse_status(status)
        if store.strip() and instant is not None and active is not None:
            if cutoff is None or instant <= cutoff:
                merged = polls.setdefault(store.strip(), {})
                merged[instant] = merged.get(instant, True) and active
    now = cutoff if cutoff is not None else max(i for p in polls.values() for i in p)
    report = {}
    for store, merged in polls.items():
        names = [name.strip() for sid, name in data.zones if sid == store]
        name = names[0] if names else DEFAULT_ZONE
        zone = ZoneInfo(name if name in ZONES[:8] else DEFAULT_ZONE)
        rows = []
        for sid, day, start, end in data.hours:
            row = (parse_day(day), parse_local_time(start, False), parse_local_time(end, True))
            if sid == store and None not in row:
                rows.append(row)

        def open_at(us: int, zone: ZoneInfo = zone, rows: list = rows) -> bool:
            if not rows:
                return True
            wall = (datetime.fromtimestamp(0, UTC) + timedelta(microseconds=us)).astimezone(zone)
            weekday = wall.weekday()
            clock = ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1_000_000
            clock += wall.microsecond
            for day, start, end in rows:
                if end > start and weekday == day and start <= clock < end:
                    return True
                if end <= start and (
                    (weekday == day and clock >= start)
                    or (weekday == (day + 1) % 7 and clock < end)
                ):
                    return True
            return False

        observed = sorted((i, a) for i, a in merged.items() if open_at(i)) or sorted(
            merged.items()
        )
        instants = [i for i, _ in observed]

        def status(us: int, observed: list = observed, instants: list = instants) -> bool:
            after = bisect.bisect_right(instants, us)  # first observation strictly later
            if method == "carry_forward":
                return observed[max(after - 1, 0)][1]
            if after == 0:
                return observed[0][1]
            if after == len(observed):
                return observed[-1][1]
            before_gap, after_gap = us - instants[after - 1], instants[after] - us
            return observed[after][1] if after_gap <= before_gap else observed[after - 1][1]

        # One probe per 30 s of the week, newest first; the day and hour are its prefixes.
        step = 30_000_000
        probes = [now - step // 2 - k * step for k in range(168 * 120)]
        states = [status(probe) if open_at(probe) else None for probe in probes]
        values = {}
        for name_, hours, unit in (("hour", 1, 60), ("day", 24, 3600), ("week", 168, 3600)):
            window = states[: hours * 120]
            up, down = 30 * window.count(True), 30 * window.count(False)
            values[name_] = (
                round_half_up(Fraction(up, unit)),
                round_half_up(Fraction(down, unit)),
            )
        report[store] = (
            values["hour"][0],
            values["day"][0],
            values["week"][0],
            values["hour"][1],
            values["day"][1],
            values["week"][1],
        )
    return report


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(scenarios(whole_minutes=True))
def test_reference_matches_sampling(scenario) -> None:
    data, as_of, method = scenario
    reference = data.reference(as_of, method)
    sampled = _sampled_report(data, as_of, method)
    assert sorted(sampled) == list(reference["store_id"])
    for _, row in reference.iterrows():
        got = tuple(float(row[column]) for column in REPORT_COLUMNS[1:])
        assert got == sampled[row["store_id"]], row["store_id"]
