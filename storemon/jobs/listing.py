"""Listing reports: the newest first, from the report index kept beside the report folders.

The index (:class:`storemon.jobs.index.ReportIndex`) answers a listing without reading every
``status.json``; it is brought up to date with one directory listing, and only the reports it
says are Running are read again.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from storemon.jobs.index import ReportIndex
from storemon.jobs.records import JobRecord
from storemon.jobs.store import (
    damage_reason,
    index_put,
    is_report_id,
    load_record,
    reconcile,
    unreadable_record,
)

log = logging.getLogger(__name__)


def list_reports(reports_dir: str | Path, limit: int = 20) -> list[JobRecord]:
    """The most recently created reports, newest first, from the report index.

    The index is first brought up to date with the folders (one directory listing: only
    folders it does not know are read); then only the listed reports that it says are Running
    are read again, to see whether they ended. Without a usable index every folder is read.

    Args:
        reports_dir: The folder of report folders.
        limit: How many to return at most.

    Returns:
        Their records (a dead Running one reads as Failed).
    """
    reports_dir = Path(reports_dir)
    if not reports_dir.is_dir():
        return []
    index = ReportIndex(reports_dir)
    try:
        folders = _report_folders(reports_dir)
        if not folders and not index.path.exists():
            return []  # nothing to index: no index file either
        sync_index(index, folders)
        records = index.newest(limit)
    except (sqlite3.Error, OSError) as exc:
        log.warning("report index of %s not usable (%s): reading every folder", reports_dir, exc)
        return _scan(reports_dir, _report_folders(reports_dir))[:limit]
    fresh = []
    for record in records:
        if record.running:
            job_dir = reports_dir / record.report_id
            try:
                record = reconcile(job_dir, load_record(job_dir))
            except (OSError, ValueError) as exc:
                record = unreadable_record(job_dir, damage_reason(exc))
            index_put(reports_dir, [record])
        fresh.append(record)
    return fresh


def sync_index(index: ReportIndex, folders: set[str] | None = None) -> None:
    """Add the folders the index lacks (reading their records) and drop rows without a folder.

    Args:
        index: The index of a reports folder.
        folders: The report folders' names, when already listed.
    """
    folders = _report_folders(index.reports_dir) if folders is None else folders
    known = index.ids()
    gone = known - folders
    if gone:
        index.drop(gone)
    index.put(_scan(index.reports_dir, folders - known))


def _report_folders(reports_dir: Path) -> set[str]:
    """The names of the report folders (a directory listing; no file is read)."""
    with os.scandir(reports_dir) as entries:
        return {entry.name for entry in entries if is_report_id(entry.name)}


def _scan(reports_dir: Path, names: set[str]) -> list[JobRecord]:
    """Read these folders' records, newest first (a dead Running one becomes Failed)."""
    records = []
    for name in names:
        job_dir = reports_dir / name
        try:
            records.append(reconcile(job_dir, load_record(job_dir)))
        except FileNotFoundError:
            continue  # a folder without a record is no report (see create_job)
        except (OSError, ValueError) as exc:
            records.append(unreadable_record(job_dir, damage_reason(exc)))
    records.sort(key=lambda record: record.created, reverse=True)
    return records
