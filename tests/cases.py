"""Small raw data sets for the report tests: build them, write them as CSV folders, compare.

A ``Dataset`` holds raw string rows exactly as they would sit in the exports, so the engine
(reading the CSV folder) and the brute-force reference (reading the rows) see the same bytes.
"""

from __future__ import annotations

import csv
import math
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from hypothesis import HealthCheck, settings
from reference import REPORT_COLUMNS, compute_reference

UTC = timezone.utc


@dataclass
class Dataset:
    """Raw rows of the three inputs, in file order."""

    polls: list[tuple[str, str, str]] = field(default_factory=list)
    hours: list[tuple[str, str, str, str]] = field(default_factory=list)
    zones: list[tuple[str, str]] = field(default_factory=list)
    day_column: str = "dayOfWeek"  # older exports call it "day"
    bom: bool = False
    final_newline: bool = True

    def poll(self, store_id: str, when: datetime | str, status: str) -> Dataset:
        """Add one poll; an aware datetime is written in the classic `` UTC`` format."""
        text = when if isinstance(when, str) else utc_text(when)
        self.polls.append((store_id, text, status))
        return self

    def hour_row(self, store_id: str, day: int | str, start: str, end: str) -> Dataset:
        """Add one business-hours row."""
        self.hours.append((store_id, str(day), start, end))
        return self

    def zone(self, store_id: str, name: str) -> Dataset:
        """Add one time-zone row."""
        self.zones.append((store_id, name))
        return self

    def reference(self, as_of: str | None, method: str) -> pd.DataFrame:
        """Return the brute-force report of this data set."""
        return compute_reference(self.polls, self.hours, self.zones, as_of=as_of, method=method)


def utc_text(when: datetime) -> str:
    """Format an aware datetime like the original export: ``2023-01-22 12:09:39.388884 UTC``."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


def local(zone: str, text: str, fold: int = 0) -> datetime:
    """Return the aware UTC instant of a local wall time ``YYYY-MM-DD HH:MM[:SS]`` in ``zone``."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def utc(text: str) -> datetime:
    """Return an aware UTC datetime from an ISO text without offset."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hourly(start: datetime, end: datetime, step: timedelta = timedelta(hours=1)) -> list[datetime]:
    """Return the instants start, start + step, ... up to and including end."""
    instants = []
    while start <= end:
        instants.append(start)
        start += step
    return instants


def _write(path: Path, header: list[str], rows: list[tuple], data: Dataset) -> None:
    with path.open("w", encoding="utf-8-sig" if data.bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    if not data.final_newline:
        text = path.read_bytes()
        path.write_bytes(text.rstrip(b"\n"))


def write_dataset(data: Dataset, folder: Path) -> Path:
    """Write the data set as store_status.csv, menu_hours.csv and timezones.csv in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "store_status.csv", ["store_id", "timestamp_utc", "status"], data.polls, data)
    _write(
        folder / "menu_hours.csv",
        ["store_id", data.day_column, "start_time_local", "end_time_local"],
        data.hours,
        data,
    )
    _write(folder / "timezones.csv", ["store_id", "timezone_str"], data.zones, data)
    return folder


def report_differences(engine: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Return human-readable differences between two reports (empty when they agree exactly)."""
    problems = []
    if list(engine.columns) != REPORT_COLUMNS:
        problems.append(f"engine columns {list(engine.columns)} != {REPORT_COLUMNS}")
        return problems
    engine_ids = [str(value) for value in engine["store_id"]]
    reference_ids = list(reference["store_id"])
    if engine_ids != reference_ids:
        problems.append(f"store ids/order: engine {engine_ids} != reference {reference_ids}")
        return problems
    for (_, engine_row), (_, reference_row) in zip(
        engine.iterrows(), reference.iterrows(), strict=True
    ):
        for column in REPORT_COLUMNS[1:]:
            got, want = float(engine_row[column]), float(reference_row[column])
            if not (got == want or (math.isnan(got) and math.isnan(want))):
                problems.append(
                    f"store {reference_row['store_id']} {column}: engine {got!r} != "
                    f"reference {want!r}"
                )
    return problems


def load_property(examples: int) -> settings:
    """Hypothesis settings of a property test that loads databases (slow examples, fixtures)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def drop_folder(tmp: Path, fleet: Path) -> Path:
    """A folder holding the fleet's hours and zones, waiting for status drops."""
    folder = tmp / "drops"
    folder.mkdir()
    for name in ("menu_hours.csv", "timezones.csv"):
        shutil.copy(fleet / name, folder / name)
    return folder


def store_day_differences(database: Path) -> list[str]:
    """Rows of ``store_days`` that are not the summary of the hot instants, counted by hand.

    Each store's row of a UTC day holds its last instant in business hours and its last of any,
    each with its status (at one instant the database holds one, inactive if any poll said so);
    a day without an instant in hours has none there.
    """
    import duckdb  # the tests' helpers import it lazily, as the engine's callers do

    with duckdb.connect(str(database), read_only=True) as con:
        instants = con.execute(
            "select store_key, t_us, active, in_hours from poll_instants order by t_us"
        ).fetchall()
        held = con.execute("select * from store_days").fetchall()
    day_us = 86_400_000_000
    expected: dict[tuple[int, int], list] = {}
    for store, t_us, active, in_hours in instants:
        row = expected.setdefault((store, t_us // day_us), [None, None, None, None])
        if in_hours:
            row[0:2] = [t_us, active]
        row[2:4] = [t_us, active]
    found = {(store, day): row for store, day, *row in held}
    problems = [
        f"store {store}, day {day}: held {found.get((store, day))}, expected {row}"
        for (store, day), row in expected.items()
        if found.get((store, day)) != row
    ]
    problems += [
        f"store {store}, day {day}: held, none expected"
        for store, day in found.keys() - expected.keys()
    ]
    return sorted(problems)[:10]


def link_differences(database: Path, all_hot: Path) -> list[str]:
    """Hot in-hours instants of ``database`` whose predecessor (``prev_packed``) is not the one
    counted by hand from ``all_hot``: a load of the same polls that keeps every poll hot.

    The predecessor of an instant is the store's previous instant in business hours, packed as
    2 * microseconds + 1 if active (0 if inactive); none before a store's first one.
    """
    import duckdb  # the tests' helpers import it lazily, as the engine's callers do

    query = (
        "select s.store_id, p.t_us, p.active, p.prev_packed from poll_instants p "
        "join stores s using (store_key) where p.in_hours"
    )
    with duckdb.connect(str(all_hot), read_only=True) as con:
        every = sorted(con.execute(query).fetchall())
    expected: dict[tuple[str, int], int | None] = {}
    previous: dict[str, int] = {}
    for store, t_us, active, _ in every:
        expected[store, t_us] = previous.get(store)
        previous[store] = 2 * t_us + int(active)
    with duckdb.connect(str(database), read_only=True) as con:
        held = con.execute(query).fetchall()
    problems = [
        f"{store} at {t_us}: linked to {prev}, expected {expected.get((store, t_us), 'absent')}"
        for store, t_us, _, prev in held
        if (store, t_us) not in expected or expected[store, t_us] != prev
    ]
    return sorted(problems)[:10]
