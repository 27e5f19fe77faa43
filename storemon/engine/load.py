"""Load the raw CSV exports into DuckDB tables, keeping every rejected row with its reason.

One code path serves both uses: ``storemon ingest`` loads a folder into the database file, and
``compute_report`` on a folder loads it into an in-memory database first. Each file is read in
DuckDB as text, parsed by its ``stg_<source>`` query into good rows and rejects, and merged
(``merge_<source>``): polls are appended without duplicates; business hours and time zones are
snapshots replaced by the files of the latest load. ``derive_tables`` then builds what every
report reads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from storemon.config import DEFAULT_TIMEZONE
from storemon.engine import db, pipeline
from storemon.errors import StoremonError


@dataclass(frozen=True, eq=False)
class SourceKind:
    """One of the three inputs: how its files are named and which columns it needs."""

    name: str
    file_pattern: re.Pattern[str]
    file_hint: str
    # parameter name of the staging query -> accepted header names (lower case)
    columns: dict[str, tuple[str, ...]]


STATUS = SourceKind(
    "store_status",
    re.compile(r"^store[ _]status.*\.csv$", re.IGNORECASE),
    "store_status*.csv",
    {"id_pos": ("store_id",), "ts_pos": ("timestamp_utc",), "status_pos": ("status",)},
)
HOURS = SourceKind(
    "menu_hours",
    re.compile(r"^menu[ _]hours.*\.csv$", re.IGNORECASE),
    "menu_hours*.csv",
    {
        "id_pos": ("store_id",),
        "day_pos": ("dayofweek", "day"),
        "start_pos": ("start_time_local",),
        "end_pos": ("end_time_local",),
    },
)
TIMEZONES = SourceKind(
    "timezones",
    re.compile(r"^(timezones?|store[ _]timezones?|bq-results.*)\.csv$", re.IGNORECASE),
    "timezones.csv, store_timezone.csv or bq-results*.csv",
    {"id_pos": ("store_id",), "tz_pos": ("timezone_str",)},
)
KINDS = (STATUS, HOURS, TIMEZONES)


@dataclass
class FileLoad:
    """What happened to the rows of one file."""

    file: str
    kind: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_already_loaded: int = 0
    rows_rejected: int = 0
    rejects_by_reason: Counter[str] = field(default_factory=Counter)


@dataclass
class LoadSummary:
    """What a load did, and what the loaded data lacks (stores without hours, zone or polls)."""

    files: list[FileLoad]
    stores_polled: int = 0
    stores_without_hours: int = 0
    stores_without_zone: int = 0
    stores_never_polled: int = 0

    @property
    def rejects_by_reason(self) -> Counter[str]:
        """Rejected rows of all files, counted by reason."""
        total: Counter[str] = Counter()
        for file_load in self.files:
            total.update(file_load.rejects_by_reason)
        return total

    def render(self) -> str:
        """Return the summary as the lines ``storemon ingest`` prints."""
        lines = []
        for f in self.files:
            lines.append(
                f"{f.file}: {f.rows_read:,} rows read, {f.rows_loaded:,} loaded, "
                f"{f.rows_already_loaded:,} already loaded, {f.rows_rejected:,} rejected"
            )
        reasons = self.rejects_by_reason
        if reasons:
            lines.append("rejected rows by reason:")
            lines += [f"  {n:,}  {reason}" for reason, n in reasons.most_common()]
        lines.append(
            f"stores polled: {self.stores_polled:,}; without business hours (open 24x7): "
            f"{self.stores_without_hours:,}; without a valid time zone ({DEFAULT_TIMEZONE}): "
            f"{self.stores_without_zone:,}; with hours or zone but never polled: "
            f"{self.stores_never_polled:,}"
        )
        return "\n".join(lines)


def find_sources(folder: str | Path) -> dict[SourceKind, list[Path]]:
    """Find the input files of each kind in a folder.

    Args:
        folder: The folder holding the CSV exports.

    Returns:
        The files of each kind, sorted by name.

    Raises:
        StoremonError: The folder is missing, or holds no file of some kind.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise StoremonError(f"data folder {folder} does not exist")
    names = sorted(p for p in folder.iterdir() if p.is_file())
    found = {kind: [p for p in names if kind.file_pattern.match(p.name)] for kind in KINDS}
    for kind, files in found.items():
        if not files:
            raise StoremonError(f"no {kind.file_hint} file in {folder}")
    return found


def read_header(path: Path) -> list[str]:
    """Return the lower-cased column names of a CSV file's header (a byte-order mark is skipped).

    Args:
        path: The CSV file.

    Returns:
        The column names, trimmed of spaces and quotes, lower case.
    """
    with open(path, "rb") as stream:
        first = stream.readline().decode("utf-8-sig", errors="replace")
    return [name.strip().strip('"').strip().lower() for name in first.rstrip("\r\n").split(",")]


def column_positions(path: Path, kind: SourceKind) -> dict[str, int]:
    """Map each needed column of a file to its 1-based position in the header.

    Args:
        path: The CSV file.
        kind: What the file holds.

    Returns:
        Staging-query parameters: ``n_fields`` and one ``*_pos`` per column.

    Raises:
        StoremonError: A needed column is missing.
    """
    header = read_header(path)
    if header == [""]:
        raise StoremonError(f"{path.name} is empty: it needs at least its header line")
    positions: dict[str, int] = {"n_fields": len(header)}
    for param, aliases in kind.columns.items():
        found = [header.index(a) + 1 for a in aliases if a in header]
        if not found:
            wanted = " or ".join(f"'{a}'" for a in aliases)
            raise StoremonError(
                f"{path.name}: missing column {wanted} (the header has: {', '.join(header)})"
            )
        positions[param] = found[0]
    return positions


def load_folder(
    con: duckdb.DuckDBPyConnection,
    folder: str | Path,
    progress: Callable[[str], None] | None = None,
) -> LoadSummary:
    """Load every input file of a folder into the connection's tables.

    Polls are appended (a poll already held is not added again); business hours and time zones are
    replaced by this folder's files. Rejected rows go to ``rejects`` with file, line and reason.

    Args:
        con: A connection to the target database (a file, or in memory).
        folder: The folder holding the CSV exports.
        progress: Called with a short line before each long step (the CLI prints them).

    Returns:
        What was loaded and rejected, and what the data lacks.

    Raises:
        StoremonError: A file or a column is missing.
    """
    sources = find_sources(folder)
    plans = [
        (kind, path, column_positions(path, kind)) for kind in KINDS for path in sources[kind]
    ]
    db.run_stage(con, "base")
    con.execute("begin transaction")
    try:
        db.execute(con, "reset_snapshots")
        loads = []
        for kind, path, positions in plans:
            if progress:
                progress(f"loading {path.name} ({path.stat().st_size / 1e6:,.1f} MB)")
            loads.append(_load_file(con, kind, path, positions))
        _count_snapshot_news(con, loads)
        if progress:
            progress("deriving the report tables (stores, zones, hours, poll instants)")
        derive_tables(con)
        db.execute(con, "record_loads", loads=[_load_row(f) for f in loads])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    summary = LoadSummary(files=loads)
    gaps = store_coverage(con).iloc[0]
    summary.stores_polled = int(gaps["stores_polled"])
    summary.stores_without_hours = int(gaps["stores_without_hours"])
    summary.stores_without_zone = int(gaps["stores_without_zone"])
    summary.stores_never_polled = int(gaps["stores_never_polled"])
    return summary


def store_coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Count the polled stores and those lacking hours, a valid zone, or polls.

    Args:
        con: A connection holding the loaded tables.

    Returns:
        One row: ``stores_polled``, ``stores_without_hours``, ``stores_without_zone``,
        ``stores_never_polled`` (the stores themselves: the ``stores_lacking_data`` query).
    """
    problems = db.run_query(con, "stores_lacking_data")["problem"].value_counts()
    polled = db.run_query(con, "stores_polled").iloc[0]["n_stores"]
    return pd.DataFrame(
        {
            "stores_polled": [int(polled)],
            "stores_without_hours": [int(problems.get("no business hours", 0))],
            "stores_without_zone": [int(problems.get("no valid time zone", 0))],
            "stores_never_polled": [int(problems.get("never polled", 0))],
        }
    )


def derive_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the tables the report reads, from the loaded polls, hours and zones.

    ``stores`` (integer keys), ``store_zones``, ``weekly_spans`` and ``poll_instants`` (one row per
    store and instant, flagged in or out of business hours) depend only on the loaded data, so
    they are built once per load rather than once per report.

    Args:
        con: A connection holding the loaded tables.
    """
    db.run_stage(con, "derive", default_tz=DEFAULT_TIMEZONE)


def _stage_status(con: duckdb.DuckDBPyConnection, path: Path, positions: dict[str, int]) -> None:
    """Stage a store-status file: DuckDB's fast reader, or line by line when any row is bad."""
    header = read_header(path)
    names = [_normal_name(name, i) for i, name in enumerate(header)]
    db.run_steps(
        con,
        pipeline.STAGING_CHAINS["store_status"],
        file=str(path),
        columns=dict.fromkeys(names, "VARCHAR"),
        **positions,
    )
    if int(db.run_query(con, "status_fast_rejects").iloc[0]["n_bad"]):
        exact = pipeline.STAGING_CHAINS["store_status_exact"]
        db.run_steps(con, exact, file=str(path), **positions)


def _normal_name(name: str, index: int) -> str:
    """The column name the fast reader gives a header field (unique, as the queries expect)."""
    known = {a: param for param, aliases in STATUS.columns.items() for a in aliases}
    if name in known:
        return {"id_pos": "store_id", "ts_pos": "timestamp_utc", "status_pos": "status"}[
            known[name]
        ]
    return f"extra_{index}"


def _load_file(
    con: duckdb.DuckDBPyConnection, kind: SourceKind, path: Path, positions: dict[str, int]
) -> FileLoad:
    """Stage one file, merge its good rows, record its rejects."""
    try:
        if kind is STATUS:
            _stage_status(con, path, positions)
        else:
            db.run_steps(
                con,
                pipeline.STAGING_CHAINS[kind.name],
                file=str(path),
                default_tz=DEFAULT_TIMEZONE,
                **positions,
            )
    except duckdb.InvalidInputException as error:
        # DuckDB refuses a file it cannot decode (not UTF-8) before any row is parsed; the load
        # stops whole (nothing is written) and says which line to look at.
        where = re.search(r"Line: (\d+)", str(error))
        line = f" (line {where.group(1)})" if where else ""
        raise StoremonError(
            f"{path.name} cannot be read{line}: it is not UTF-8 text; convert it to UTF-8 "
            "(e.g. `iconv -f latin1 -t utf-8`) and load it again"
        ) from None
    counts = db.run_query(con, "staged_counts")
    result = FileLoad(file=path.name, kind=kind.name)
    for reason, n_rows in zip(counts["reason"], counts["n_rows"], strict=True):
        result.rows_read += int(n_rows)
        if reason is None or reason != reason:  # NaN from pandas for the good rows
            continue
        result.rows_rejected += int(n_rows)
        result.rejects_by_reason[reason] += int(n_rows)
    good = result.rows_read - result.rows_rejected
    before = _count(con, kind)
    params = {} if kind is STATUS else {"source_file": path.name}
    db.execute(con, pipeline.MERGE_STEPS[kind.name], **params)
    result.rows_loaded = _count(con, kind) - before
    result.rows_already_loaded = good - result.rows_loaded
    db.execute(con, "forget_rejects", source_file=path.name)
    db.execute(con, "merge_rejects", source_file=path.name)
    return result


def _count_snapshot_news(con: duckdb.DuckDBPyConnection, loads: list[FileLoad]) -> None:
    """Re-count hours and zone rows as new only when the previous snapshot lacked them.

    A snapshot is replaced whole, so "loaded" would otherwise count every row of an unchanged file.
    """
    news = db.run_query(con, "snapshot_news").set_index("table_name")["n_new"]
    for kind in (HOURS, TIMEZONES):
        remaining = int(news[kind.name])
        for f in (f for f in loads if f.kind == kind.name):
            good = f.rows_loaded + f.rows_already_loaded
            f.rows_loaded = min(good, remaining)
            f.rows_already_loaded = good - f.rows_loaded
            remaining -= f.rows_loaded


def _count(con: duckdb.DuckDBPyConnection, kind: SourceKind) -> int:
    """Rows in the table a kind loads into."""
    return int(db.run_query(con, "table_sizes").set_index("table_name").loc[kind.name, "n_rows"])


def _load_row(f: FileLoad) -> dict[str, object]:
    return {
        "source_file": f.file,
        "kind": f.kind,
        "rows_read": f.rows_read,
        "rows_loaded": f.rows_loaded,
        "rows_already_loaded": f.rows_already_loaded,
        "rows_rejected": f.rows_rejected,
    }
