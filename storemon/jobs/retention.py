"""Report retention: remove the folders of reports that ended longer ago than a given age.

``storemon reports prune --older-than 30d`` calls :func:`prune_reports`. A report still Running
is never removed (a Running record whose process is gone reads Failed from now on, and is
removed once it is old enough). Each folder is first renamed to a hidden name, then deleted, so
a reader sees the whole report or no report at all; the index drops it too.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from storemon.errors import StoremonError
from storemon.jobs.index import ReportIndex
from storemon.jobs.listing import sync_index
from storemon.jobs.records import JobRecord
from storemon.jobs.store import read_status

_AGE = re.compile(r"(\d+)([hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
# The longest age accepted: no report is older; a longer one is a typing slip (and past what a
# date can hold), not a wish to keep everything or to remove everything.
MAX_AGE = timedelta(days=36500)


def parse_age(text: str) -> timedelta:
    """Read an age such as ``30d``, ``12h`` or ``2w`` (hours, days, weeks).

    Args:
        text: The age as typed.

    Returns:
        The age.

    Raises:
        StoremonError: It is not a whole number followed by ``h``, ``d`` or ``w``, or it is
            longer than :data:`MAX_AGE` (100 years).
    """
    match = _AGE.fullmatch(text.strip())
    if match is None:
        raise StoremonError(
            f"{text[:80]!r} is not an age: use a whole number and h, d or w, e.g. 30d"
        )
    digits, unit = match.group(1).lstrip("0") or "0", _UNITS[match.group(2)]
    if len(digits) > 9 or int(digits) > MAX_AGE // unit:
        raise StoremonError(
            f"{text[:80]!r} is longer than any report can be old: give at most "
            f"{MAX_AGE.days}d (100 years); to remove every report that ended, give 0h"
        )
    return int(digits) * unit


def prune_reports(
    reports_dir: str | Path, older_than: timedelta, dry_run: bool = False
) -> list[JobRecord]:
    """Remove the reports that ended (Complete or Failed) more than ``older_than`` ago.

    Args:
        reports_dir: The folder of report folders.
        older_than: How long ago a report must have ended to be removed.
        dry_run: Only say which reports would be removed.

    Returns:
        The records of the reports removed (or that would be), oldest end first.
    """
    reports_dir = Path(reports_dir)
    if not reports_dir.is_dir():
        return []
    cutoff = datetime.now(timezone.utc) - older_than
    index = ReportIndex(reports_dir)
    sync_index(index)
    stamp = cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    removed = []
    for candidate in index.ended_before(stamp):
        # The folder's own record decides (the index is a cache).
        record = read_status(reports_dir, candidate.report_id)
        if record is None or record.running or not record.finished or record.finished >= stamp:
            continue
        if not dry_run:
            doomed = reports_dir / f".{record.report_id}.pruning"
            (reports_dir / record.report_id).rename(doomed)
            index.drop([record.report_id])
            shutil.rmtree(doomed)
        removed.append(record)
    return removed
