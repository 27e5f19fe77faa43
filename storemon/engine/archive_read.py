"""Reading the Parquet archive back: which files a time range needs, and the instants of its polls.

A report whose week reaches before the hot window reads the archived days it needs
(:func:`read_archived`): from the instants kept beside a day's polls where they still hold, else
derived from the polls (storemon.engine.archive writes both; docs/report.md, "Loading").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from storemon.engine import db, pipeline

_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1)


def kept_listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The kept instants' files (path, day, generation); none in an older storemon's database."""
    if not bool(db.fetch_row(con, "has_instant_listing")["has_listing"]):
        return pd.DataFrame({"path": [], "day": [], "generation": []})
    kept = db.run_query(con, "instant_listing")
    kept["day"] = [pd.Timestamp(d).date() for d in kept["day"]]
    return kept


def poll_listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The archive's Parquet files of polls (path, day), in day order."""
    polls = db.run_query(con, "archive_listing")
    polls["day"] = [pd.Timestamp(d).date() for d in polls["day"]]
    return polls


def listed_files(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    lo_us: int | None = None,
    hi_us: int | None = None,
) -> list[str]:
    """Return the archive's files (absolute paths) whose day meets ``[lo_us, hi_us]``.

    Args:
        con: A connection to the database.
        folder: Its archive folder.
        lo_us: First instant wanted (microseconds since the epoch), or None for the start.
        hi_us: Last instant wanted, or None for the end.

    Returns:
        The paths, in day order.
    """
    return [str(folder / path) for path, _ in _days_between(poll_listing(con), lo_us, hi_us)]


def _days_between(
    listing: pd.DataFrame, lo_us: int | None, hi_us: int | None
) -> list[tuple[str, date]]:
    """The (path, day) rows of a listing whose day meets ``[lo_us, hi_us]``."""
    lo_day = None if lo_us is None else _day(lo_us)
    hi_day = None if hi_us is None else _day(hi_us)
    return [
        (path, day)
        for path, day in zip(listing["path"], listing["day"], strict=True)
        if (lo_day is None or day >= lo_day) and (hi_day is None or day <= hi_day)
    ]


def _day(t_us: int) -> date:
    return date(1970, 1, 1) + timedelta(days=t_us // _DAY_US)


def derive_archived_changed(
    con: duckdb.DuckDBPyConnection, files: list[str], default_tz: str
) -> None:
    """Read the load's changed stores' archived polls back and derive their instants.

    Args:
        con: The load's connection (``changed_stores``, and the derived tables: stores,
            store_zones, weekly_spans, day_spans).
        files: The Parquet files to read.
        default_tz: The zone of a store without one.
    """
    db.execute(con, "read_archive_changed", files=files)
    db.run_steps(con, pipeline.DERIVE_ARCHIVED, default_tz=default_tz)


def read_archived(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    lo_us: int | None,
    hi_us: int,
    default_tz: str,
    changes_from_us: int | None = None,
) -> list[str]:
    """The instants of the archived polls in ``[lo_us, hi_us)`` for a report.

    A day with kept instants is read from them (kept_instants, with their links where they still
    hold), but for the stores whose kept instants no longer hold (marked after them: new hours or
    zone, lost polls), whose polls of that day are derived again; a day without is derived from
    its polls (batch_instants). The view archive_instants reads both.

    Args:
        con: A connection to the database (read-only is enough).
        folder: Its archive folder.
        lo_us: First instant (microseconds since the epoch), or None for the start.
        hi_us: End instant, excluded.
        default_tz: The zone of a store without one.
        changes_from_us: None for every instant (a report's timelines read them); a trend's
            look-back start, from which it needs only the kept instants that can change a
            status (read_kept_instants).

    Returns:
        The files read (polls and kept instants); none: no archived day meets the range.
    """
    polls = _days_between(poll_listing(con), lo_us, hi_us)
    if not polls:
        return []
    kept = kept_listing(con)
    kept = kept[kept["path"].isin([p for p, _ in _days_between(kept, lo_us, hi_us)])]
    kept_days = set(kept["day"])
    derived = [str(folder / p) for p, day in polls if day not in kept_days]
    again = [str(folder / p) for p, day in polls if day in kept_days]
    generation = int(kept["generation"].min()) if len(kept) else 0
    if again and not int(db.fetch_row(con, "stale_stores", generation=generation)["n_stale"]):
        again = []
    bounds = {
        "lo": datetime(1, 1, 1) if lo_us is None else _EPOCH + timedelta(microseconds=lo_us),
        "hi": _EPOCH + timedelta(microseconds=hi_us),
    }
    db.execute(con, "begin_instants")
    if derived:
        db.run_steps(con, pipeline.ARCHIVED_DAYS_PASS, files=derived, **bounds)
    if again:
        steps = pipeline.ARCHIVED_STALE_PASS
        db.run_steps(con, steps, files=again, generation=generation, **bounds)
    db.execute(con, "dedupe_instants")
    kept_files = [str(folder / p) for p in kept["path"]]
    if kept_files:
        db.execute(
            con,
            "read_kept_instants",
            files=kept_files,
            lo_us=-(2**62) if lo_us is None else lo_us,
            hi_us=hi_us,
            generation=generation,
            changes_from_us=2**62 if changes_from_us is None else changes_from_us,
        )
    return [str(folder / p) for p, _ in polls] + kept_files


def every_listed_file(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """Every file the database lists in its archive (polls and kept instants), absolute paths."""
    paths = [*poll_listing(con)["path"], *kept_listing(con)["path"]]
    return [str(folder / p) for p in paths]
