"""The three inputs of a load: how their files are named, their columns, and a load's summary."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from storemon.config import DEFAULT_TIMEZONE
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


_ACTION_NOTES = {
    "skip": " (unchanged since its last load: not read)",
    "append": " (grown: its new lines only)",
    "replace": " (changed since its last load: loaded again whole, its earlier rows replaced)",
    "retry": " (polls it held in the future are due: loaded again whole)",
}


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
    # what the load did with the file: new, skip (unchanged), append (its new lines only) or
    # replace (its content changed: loaded again whole, its earlier rows replaced) or retry
    # (loaded again whole: its polls rejected as in the future are due)
    action: str = "new"
    # when its polls rejected as in the future are due (the registry notes it), or None
    retry_at: datetime | None = None


@dataclass
class LoadSummary:
    """What a load did, and what the loaded data lacks (stores without hours, zone or polls)."""

    files: list[FileLoad]
    stores_polled: int = 0
    stores_without_hours: int = 0
    stores_without_zone: int = 0
    stores_never_polled: int = 0
    # what the new hours and zone snapshots dropped, one line each
    snapshot_drops: list[str] = field(default_factory=list)
    # anything else the user should know about this load, one line each
    notes: list[str] = field(default_factory=list)

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
                + _ACTION_NOTES.get(f.action, "")
            )
        reasons = self.rejects_by_reason
        if reasons:
            lines.append("rejected rows by reason:")
            lines += [f"  {n:,}  {reason}" for reason, n in reasons.most_common()]
        lines += self.snapshot_drops
        lines += self.notes
        lines.append(
            f"stores polled: {self.stores_polled:,}; without business hours (open 24x7): "
            f"{self.stores_without_hours:,}; without a valid time zone ({DEFAULT_TIMEZONE}): "
            f"{self.stores_without_zone:,}; with hours or zone but never polled: "
            f"{self.stores_never_polled:,}"
        )
        return "\n".join(lines)


def check_data_folder(folder: str | Path) -> Path:
    """Return ``folder`` if it is a folder; else say what to give instead.

    Args:
        folder: The folder of CSV exports a user gave.

    Returns:
        The folder.

    Raises:
        StoremonError: It does not exist, or it is a file (say, one of the exports): the
            message names the folder that holds it.
    """
    folder = Path(folder)
    if folder.is_dir():
        return folder
    if folder.exists():
        raise StoremonError(
            f"{folder} is a file, not a folder of CSV exports: give the folder that holds the "
            f"exports (e.g. {folder.parent}), not one of its files"
        )
    raise StoremonError(f"data folder {folder} does not exist")


def find_sources(folder: str | Path) -> dict[SourceKind, list[Path]]:
    """Find the input files of each kind in a folder.

    Args:
        folder: The folder holding the CSV exports.

    Returns:
        The files of each kind, sorted by name.

    Raises:
        StoremonError: The folder is missing, or holds no file of some kind.
    """
    folder = check_data_folder(folder)
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


class FileError(StoremonError):
    """A file cannot be loaded at all (not UTF-8, a missing column, empty): it names the file."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.file = path.name
