"""Synthetic business hours: opening and closing times, split shifts and late nights."""

from __future__ import annotations

import numpy as np

# Time units, in the generator's whole seconds (US: microseconds per second).
US = 1_000_000
HOUR = 3_600
DAY = 86_400
EOD_MINUTE = 86_340  # 23:59:00
EOD_SECOND = 86_399  # 23:59:59


def _hms(h: int, m: int = 0, s: int = 0) -> int:
    return h * HOUR + m * 60 + s


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


def pick(rng: np.random.Generator, table: np.ndarray, n: int) -> np.ndarray:
    """Draw n values from a (value, weight) table."""
    p = table[:, 1].astype(float)
    return table[rng.choice(len(table), size=n, p=p / p.sum()), 0]


def _daily_times(
    rng: np.random.Generator, n: int, eod: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Draw each store's opening and closing second for each weekday: two (store, 7) grids."""
    open_ = pick(rng, _OPEN_TIMES, n)
    odd = rng.random(n) < 0.003  # a few opening times off the quarter hour
    open_ = np.where(odd, open_ + 60 * rng.integers(1, 15, size=n), open_)
    close = pick(rng, _CLOSE_TIMES, n)
    close = np.where(close < 0, eod, close)
    too_short = close < open_ + 4 * HOUR
    close = np.where(too_short, np.minimum(open_ + HOUR * rng.integers(4, 8, size=n), eod), close)

    # Some stores open later at the weekend and close later on Friday and Saturday.
    start_d = np.repeat(open_[:, None], 7, axis=1)
    end_d = np.repeat(close[:, None], 7, axis=1)
    weekend = rng.random(n) < 0.3
    later_open = np.minimum(start_d[:, 5:7] + HOUR, end_d[:, 5:7] - 2 * HOUR)
    start_d[:, 5:7] = np.where(weekend[:, None], later_open, start_d[:, 5:7])
    later_close = np.minimum(end_d[:, 4:6] + HOUR, eod[:, None])
    later_close = np.where(end_d[:, 4:6] >= EOD_MINUTE, end_d[:, 4:6], later_close)
    end_d[:, 4:6] = np.where(weekend[:, None], later_close, end_d[:, 4:6])
    return start_d, end_d


def draw_hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw weekly business hours as a grid (store, weekday, slot, start/end) of seconds.

    Slot 0 is the main (or lunch) interval, slot 1 the dinner interval of a split shift, slot 2
    the tail after midnight of the previous day's late night. -1 marks an empty slot. Ends are
    exclusive seconds of the day, 23:59:00 / 23:59:59 standing for midnight as in the exports.
    """
    grid = np.full((n, 7, 3, 2), -1, dtype=np.int32)
    kind = rng.choice(len(_KIND_P), size=n, p=_KIND_P)
    eod = np.where(rng.random(n) < 0.5, EOD_SECOND, EOD_MINUTE)
    # Whole days are written 00:00:00-23:59:00 about twice as often as -23:59:59.
    eod = np.where(kind == _ALLDAY, np.where(rng.random(n) < 0.66, EOD_MINUTE, EOD_SECOND), eod)

    start_d, end_d = _daily_times(rng, n, eod)

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
    tail_end = pick(rng, _TAIL_ENDS, n)

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


def format_seconds(seconds: np.ndarray) -> np.ndarray:
    """Format seconds of the day as zero-padded ``HH:MM:SS`` strings."""
    values, inverse = np.unique(seconds, return_inverse=True)
    text = np.array([f"{v // HOUR:02d}:{v // 60 % 60:02d}:{v % 60:02d}" for v in values])
    return text[inverse.reshape(-1)]
