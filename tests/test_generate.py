"""The realistic data generator: shape and quirks of the real exports, determinism, DST spans."""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import numpy as np
import pandas as pd
import pytest

from storemon.synthetic.generate import PINNED_END, generate

FILES = ("store_status", "menu_hours", "timezones")
HEADERS = {
    "store_status": "store_id,status,timestamp_utc",
    "menu_hours": "store_id,dayOfWeek,start_time_local,end_time_local",
    "timezones": "store_id,timezone_str",
}
TS_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{0,5}[1-9])? UTC$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")
EOD = "23:59:00"  # an end from here on means midnight (docs/report.md)
START = datetime(2024, 10, 29, tzinfo=timezone.utc)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def parse_ts(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text.str.removesuffix(" UTC"), format="ISO8601", utc=True)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """A 300-store fleet over 8 days from START (about 40,000 polls)."""
    paths = generate(tmp_path_factory.mktemp("fleet"), stores=300, seed=7, end=PINNED_END)
    frames = {kind: read(path) for kind, path in paths.items()}
    frames["store_status"]["ts"] = parse_ts(frames["store_status"]["timestamp_utc"])
    return frames


def test_returns_the_three_files(tmp_path: Path) -> None:
    paths = generate(tmp_path, stores=20, days=1, end=PINNED_END)
    assert set(paths) == set(FILES)
    for kind, path in paths.items():
        assert path == tmp_path / f"{kind}.csv"
        assert path.read_text().endswith("\n")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", stores=80, days=3, seed=3, end=PINNED_END)
    again = generate(tmp_path / "b", stores=80, days=3, seed=3, end=PINNED_END)
    other = generate(tmp_path / "c", stores=80, days=3, seed=4, end=PINNED_END)
    for kind in FILES:
        assert first[kind].read_bytes() == again[kind].read_bytes()
        assert first[kind].read_bytes() != other[kind].read_bytes()


def test_start_forms_are_the_same_instant(tmp_path: Path) -> None:
    forms = [
        "2024-10-29T00:00:00Z",
        "2024-10-28T20:00:00-04:00",
        datetime(2024, 10, 29),
        datetime(2024, 10, 28, 17, tzinfo=ZoneInfo("America/Los_Angeles")),
    ]
    pinned = generate(tmp_path / "end", stores=30, days=2, end="2024-10-31T00:00:00Z")
    expected = pinned["store_status"].read_bytes()
    for i, start in enumerate(forms):
        paths = generate(tmp_path / str(i), stores=30, days=2, start=start)
        assert paths["store_status"].read_bytes() == expected


def test_data_ends_at_the_current_hour_unless_pinned(tmp_path: Path) -> None:
    before = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    paths = generate(tmp_path, stores=30, days=1)
    after = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    polls = parse_ts(read(paths["store_status"])["timestamp_utc"])
    # the last hour slot before the current hour is polled, nothing at or after the hour
    assert before - timedelta(hours=1) <= polls.max() < after
    assert polls.min() >= before - timedelta(days=1)
    with pytest.raises(ValueError, match="not both"):
        generate(tmp_path, stores=3, days=1, start=START, end=PINNED_END)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="day_column"):
        generate(tmp_path, stores=10, days=1, day_column="weekday", end=PINNED_END)
    with pytest.raises(ValueError, match="positive"):
        generate(tmp_path, stores=0, days=1)


def test_headers_exactly(tmp_path: Path) -> None:
    paths = generate(tmp_path / "new", stores=40, days=1, end=PINNED_END)
    for kind in FILES:
        assert paths[kind].read_text().splitlines()[0] == HEADERS[kind]
    old = generate(tmp_path / "old", stores=40, days=1, day_column="day", end=PINNED_END)
    header = old["menu_hours"].read_text().splitlines()[0]
    assert header == "store_id,day,start_time_local,end_time_local"
    # Only the column name differs between the two export variants.
    new_body = paths["menu_hours"].read_text().splitlines()[1:]
    assert old["menu_hours"].read_text().splitlines()[1:] == new_body


def test_ids_are_16_to_19_digit_strings_that_survive_pandas(tmp_path: Path) -> None:
    paths = generate(tmp_path, stores=300, days=1, seed=11, end=PINNED_END)
    ids: list[str] = []
    for kind in FILES:
        with paths[kind].open(newline="") as f:
            raw = [row[0] for row in csv.reader(f)][1:]
        assert read(paths[kind])["store_id"].tolist() == raw
        ids += raw
    unique = set(ids)
    assert all(re.fullmatch(r"[1-9]\d{15,18}", i) for i in unique)
    share_19 = sum(len(i) == 19 for i in unique) / len(unique)
    assert 0.75 < share_19 < 0.97  # uniform 63-bit ids: 89 % have 19 digits
    assert len({len(i) for i in unique}) >= 2


def test_file_membership_like_the_real_fleet(fleet: dict[str, pd.DataFrame]) -> None:
    polled = set(fleet["store_status"]["store_id"])
    with_hours = set(fleet["menu_hours"]["store_id"])
    with_zone = set(fleet["timezones"]["store_id"])
    assert len(polled) == 300
    assert 0.12 <= len(polled - with_hours) / len(polled) <= 0.32  # real: 22 %
    assert 0.01 <= len(polled - with_zone) / len(polled) <= 0.10  # real: 4.6 %
    assert (with_hours | with_zone) - polled  # stores that are never polled
    assert fleet["timezones"]["store_id"].is_unique


def test_statuses_and_downtime_share(fleet: dict[str, pd.DataFrame]) -> None:
    status = fleet["store_status"]["status"]
    assert set(status) == {"active", "inactive"}
    assert 0.10 <= (status == "inactive").mean() <= 0.30


def test_outages_are_runs_of_inactive_polls(fleet: dict[str, pd.DataFrame]) -> None:
    polls = fleet["store_status"].sort_values(["store_id", "ts"])
    inactive = polls["status"].eq("inactive")
    run_id = (inactive != inactive.shift()) | (polls["store_id"] != polls["store_id"].shift())
    runs = polls[inactive].groupby(run_id.cumsum()[inactive]).size()
    assert runs.max() >= 10  # long outages exist
    assert (runs == 1).any()  # and single inactive polls
    assert runs.median() <= 5


def test_timestamps_like_the_export(fleet: dict[str, pd.DataFrame]) -> None:
    text = fleet["store_status"]["timestamp_utc"]
    assert text.str.match(TS_RE).all()
    digits = text.str.extract(r"\.(\d+) UTC$")[0].str.len()
    assert (digits == 6).mean() > 0.8
    assert digits.nunique() >= 3  # trailing zeros are trimmed
    ts = fleet["store_status"]["ts"]
    assert ts.min() >= START
    assert ts.max() < START + timedelta(days=8)
    assert not fleet["store_status"].duplicated(["store_id", "timestamp_utc"]).any()
    # Rows are not in time order (blocks of time-ordered rows, like the real file).
    assert not ts.is_monotonic_increasing


def test_polls_are_about_hourly_near_the_top_of_the_hour(fleet: dict[str, pd.DataFrame]) -> None:
    ts = fleet["store_status"]["ts"]
    per_store = fleet["store_status"].groupby("store_id").size()
    # 8 days minus the fleet-wide hole (about 1.5 days) and some missing polls.
    assert 100 <= per_store.median() <= 160
    assert per_store.min() >= 1
    assert (ts.dt.minute < 10).mean() > 0.6
    assert (ts.dt.minute >= 20).mean() > 0.03  # but not all of them


def test_one_fleet_wide_hole(fleet: dict[str, pd.DataFrame]) -> None:
    instants = np.sort(fleet["store_status"]["ts"].unique())
    gaps = np.diff(instants) / np.timedelta64(1, "h")
    longest, second = np.sort(gaps)[::-1][:2]
    assert longest >= 24  # 19 % of 8 days
    assert second < 2


def test_near_duplicate_polls_some_conflicting(fleet: dict[str, pd.DataFrame]) -> None:
    polls = fleet["store_status"].sort_values(["store_id", "ts"])
    same_store = polls["store_id"].eq(polls["store_id"].shift())
    gap = polls["ts"].diff().dt.total_seconds()
    # Hourly polls with jitter almost never come within 10 s of each other: these are repeats.
    repeats = same_store & (gap < 10)
    assert repeats.sum() >= 3
    conflicting = same_store & (gap < 60) & polls["status"].ne(polls["status"].shift())
    assert conflicting.any()


def test_menu_hours_quirks(fleet: dict[str, pd.DataFrame]) -> None:
    hours = fleet["menu_hours"]
    assert hours["dayOfWeek"].isin([str(d) for d in range(7)]).all()
    assert hours["start_time_local"].str.match(TIME_RE).all()
    assert hours["end_time_local"].str.match(TIME_RE).all()
    # Exported hours never run past midnight in one row, and are never empty.
    assert (hours["end_time_local"] > hours["start_time_local"]).all()
    assert not hours.duplicated().any()
    whole = hours[hours["start_time_local"] == "00:00:00"]["end_time_local"]
    assert {"23:59:00", "23:59:59"} <= set(whole)
    # Late nights are split at midnight: X-23:59:xx on day d, 00:00:00-Y on day d + 1, so
    # (almost) every night tail follows an evening that runs to midnight.
    hours = hours.assign(day=hours["dayOfWeek"].astype(int))
    start, end = hours["start_time_local"], hours["end_time_local"]
    evenings = hours[(end >= EOD) & (start > "00:00:00")][["store_id", "day"]]
    tails = hours[(start == "00:00:00") & (end >= "00:30:00") & (end < "06:00:00")]
    tails = tails.assign(day=(tails["day"] - 1) % 7)[["store_id", "day"]]
    assert len(tails) >= 20
    after_evening = tails.merge(evenings, on=["store_id", "day"], how="left", indicator=True)
    assert (after_evening["_merge"] == "both").mean() >= 0.95
    # Some stores miss weekdays; store-days with 2 or 3 rows exist.
    days_listed = hours.groupby("store_id")["day"].nunique()
    assert (days_listed < 7).any()
    assert (days_listed == 7).mean() > 0.6
    assert hours.groupby(["store_id", "day"]).size().max() >= 2


def test_zones_are_a_us_mix(fleet: dict[str, pd.DataFrame]) -> None:
    zones = fleet["timezones"]["timezone_str"]
    assert set(zones) <= available_timezones()
    shares = zones.value_counts(normalize=True)
    assert shares.index[0] == "America/New_York"
    assert {"America/Chicago", "America/Los_Angeles"} <= set(shares.index)
    assert shares.iloc[0] < 0.75


def test_big_fleet_has_the_rare_zones(tmp_path: Path) -> None:
    paths = generate(tmp_path, stores=1_200, days=0.25, seed=2, end=PINNED_END)
    zones = set(read(paths["timezones"])["timezone_str"])
    assert {"America/Boise", "Pacific/Honolulu", "Asia/Beirut"} <= zones


@pytest.mark.parametrize(
    ("start", "change"),
    [
        ("2024-03-07T00:00:00Z", datetime(2024, 3, 10, 7, tzinfo=timezone.utc)),  # spring
        (START, datetime(2024, 11, 3, 6, tzinfo=timezone.utc)),  # PINNED_END's span: fall back
    ],
)
def test_window_spanning_a_dst_change_has_polls_around_it(
    tmp_path: Path, start: str | datetime, change: datetime
) -> None:
    paths = generate(tmp_path, stores=60, days=8, start=start, seed=5)
    polls = read(paths["store_status"])
    ts = parse_ts(polls["timestamp_utc"])
    zones = read(paths["timezones"]).set_index("store_id")["timezone_str"]
    # New York and Los Angeles change 3 h apart; both have polls in every hour around them.
    hours = ts[(ts >= change - timedelta(hours=3)) & (ts < change + timedelta(hours=6))].dt.floor(
        "h"
    )
    assert hours.nunique() == 9
    la = polls["store_id"].map(zones).eq("America/Los_Angeles")
    la_ts = ts[la]
    la_change = change + timedelta(hours=3)
    assert (
        (la_ts >= la_change - timedelta(hours=2)) & (la_ts < la_change + timedelta(hours=2))
    ).any()


# SHA-256 of a small fixed-seed fleet, taken before generate.py was split into fleet, hours and
# polls modules: moving code must not move a byte.
FIXED_SEED_HASHES = {
    "store_status": "865173d8fbfde4b86c902559677506a632e7af5ca7db564b73743f656ce2c0ed",
    "menu_hours": "ee73d0bb9f0ab7371287452b19a0b2c1d0acabdb46059feac84562e7c47fcd8e",
    "timezones": "7bb87b4ce6bf32c272c6a5b175e4cb302aef531b730d7da724ac1ba6f0b3e506",
}


def test_fixed_seed_bytes_are_unchanged(tmp_path: Path) -> None:
    paths = generate(tmp_path, stores=60, days=2, seed=11, end=START + timedelta(days=2))
    hashes = {kind: hashlib.sha256(path.read_bytes()).hexdigest() for kind, path in paths.items()}
    assert hashes == FIXED_SEED_HASHES
