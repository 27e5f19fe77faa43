"""Load the raw CSV exports into DuckDB tables, keeping every rejected row with its reason.

One code path serves both uses: ``storemon ingest`` loads a folder into the database file, and
``compute_report`` on a folder loads it into an in-memory database first. Each file is read in
DuckDB as text, parsed by its ``stg_<source>`` query into good rows and rejects, and merged
(``merge_<source>``): polls are appended without duplicates; business hours and time zones are
snapshots replaced by the files of the latest load. ``derive_tables`` then builds what every
report reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from storemon.engine import archive, db, pipeline, planning, registry, schema, staging
from storemon.engine.incremental import Derivation, LoadOptions, snapshot_drops
from storemon.engine.planning import Plan
from storemon.engine.sources import (
    HOURS,
    STATUS,
    TIMEZONES,
    FileError,
    FileLoad,
    LoadSummary,
    SourceKind,
    find_sources,
)

__all__ = ["FileError", "LoadSummary", "find_sources", "load_folder", "store_coverage"]


def load_folder(
    con: duckdb.DuckDBPyConnection,
    folder: str | Path,
    progress: Callable[[str], None] | None = None,
    options: LoadOptions | None = None,
) -> LoadSummary:
    """Load the new, grown or changed input files of a folder into the connection's tables.

    Polls are appended (a poll already held is not added again); business hours and time zones are
    replaced by this folder's files when any of them changed. Rejected rows go to ``rejects`` with
    file, line and reason. The file registry (:mod:`storemon.engine.registry`) skips what is
    loaded already; derived tables are updated for the new polls only, or rebuilt when a store
    appeared, changed its hours or zone, or lost polls.

    Args:
        con: A connection to the target database (a file, or in memory).
        folder: The folder holding the CSV exports.
        progress: Called with a short line before each long step (the CLI prints them).
        options: Retention, archive folder, files to leave out, torn lines (default: none).

    Returns:
        What was loaded and rejected, and what the data lacks.

    Raises:
        StoremonError: A file or a column is missing (a :class:`FileError` names the file).
    """
    options = options or LoadOptions()
    sources = find_sources(folder)
    version = schema.check_loadable(con, options.database or "the database")
    upgrade = None if version is None or version == schema.CURRENT_VERSION else version
    db.run_stage(con, "base")
    if options.archive is not None:
        archive.recover(options.archive, con)  # what a killed load left, before writing more
    plans, kept = planning.plan_files(registry.known_files(con), sources, options)
    con.execute("begin transaction")
    try:
        loads, drops, merged = _load_plans(con, plans, progress, options, upgrade)
        if options.archive is not None:
            archive.apply_retention(con, options.archive, options.retention_days, options.change)
            if merged:  # the archive and the stores' last archived observations are final now
                db.execute(con, "link_first_hot")
        done = [_load_row(f) for f, plan in loads if plan.action not in ("skip", "wait")]
        if done:
            db.execute(con, "record_loads", loads=done)
        retention = options.retention_days if options.archive is not None else None
        db.execute(
            con, "record_info", schema_version=schema.CURRENT_VERSION, retention_days=retention
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    kept += [
        f"{plan.path.name}: its last line has no newline and did not change for a round: loaded"
        for _, plan, _ in plans
        if plan.torn and plan.action not in ("skip", "wait")
    ]
    if upgrade is not None:
        what = (
            "every store's report tables were derived again"
            if upgrade < schema.DERIVE_AGAIN_BELOW
            else "its stores' day spans were derived"
            if upgrade < 2
            else "its poll instants were linked"
        )
        kept.append(
            f"the database was made by an older storemon (schema {version}): {what} "
            f"(schema {schema.CURRENT_VERSION} now)"
        )
    summary = _summary(con, [f for f, plan in loads if plan.action != "wait"], kept)
    summary.snapshot_drops = drops
    return summary


def summary_if_unchanged(
    con: duckdb.DuckDBPyConnection, folder: str | Path, options: LoadOptions
) -> LoadSummary | None:
    """Return the summary of a load that would write nothing, or None when it has work to do.

    Run on a read-only connection to the database in place, it lets ``storemon ingest`` (and
    every ``--watch`` round with nothing new) skip copying the database: it reads the registry
    once and stats the files, nothing else.

    Args:
        con: A read-only connection to the database.
        folder: The folder of exports.
        options: The load's options (retention, files left out, clock).

    Returns:
        The summary (every file skipped or waiting), or None: something is new or changed, the
        database needs updating, or the retention to keep differs from the one it was loaded with.
    """
    if schema.version_of(con) != schema.CURRENT_VERSION:
        return None
    info = db.fetch_row(con, "schema_version")
    retention = options.retention_days if options.archive is not None else None
    if info is None or info["retention_days"] != retention:
        return None
    plans, kept = planning.plan_files(registry.known_files(con), find_sources(folder), options)
    if not planning.nothing_to_do(plans):
        return None
    files = [_skipped(kind, plan) for kind, plan, _ in plans if plan.action == "skip"]
    return _summary(con, files, kept)


def _summary(
    con: duckdb.DuckDBPyConnection, files: list[FileLoad], notes: list[str]
) -> LoadSummary:
    """A load's summary: what it did with its files, notes, and what the data lacks."""
    summary = LoadSummary(files=files, notes=notes)
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


def _load_plans(
    con: duckdb.DuckDBPyConnection,
    plans: list[Plan],
    progress: Callable[[str], None] | None,
    options: LoadOptions,
    upgrade: int | None,
) -> tuple[list[tuple[FileLoad, registry.FilePlan]], list[str], bool]:
    """Stage and merge the planned files, derive what they add; note each one in the registry.

    The snapshots (hours, zones) load first, so that every poll is derived once, with the hours
    and zone the load leaves; a snapshot that drops most stores is refused before any poll
    loads. Returns what each file did (in plan order), the snapshots' drops and whether any
    instants were merged. ``upgrade``: the older schema version of the database, if it is one.
    """
    db.execute(con, "begin_batch")
    derive_again = upgrade is not None and upgrade < schema.DERIVE_AGAIN_BELOW
    if derive_again:
        db.execute(con, "derive_every_store_again")
    elif upgrade is not None:
        if upgrade < 2:  # kept since schema 2, derived from the weekly spans it holds
            db.run_steps(con, pipeline.DAY_SPANS)
        db.execute(con, "link_every_instant")  # kept since schema 3, from the instants held
    if upgrade is not None and upgrade < 3 and options.archive is not None:
        archive.drop_every_kept_day(con, options.archive, options.change)  # kept without links
    reload = planning.reloaded_snapshots(plans)
    if reload:  # an hourly drop of polls alone leaves the snapshots untouched, unread
        db.execute(
            con,
            "reset_snapshots",
            reset_hours=HOURS.name in reload,
            reset_zones=TIMEZONES.name in reload,
        )
    derivation = Derivation(con)
    loads: dict[int, tuple[FileLoad, registry.FilePlan]] = {}
    snapshots = [i for i, (kind, _, _) in enumerate(plans) if kind is not STATUS]
    for i in snapshots:
        loads[i] = _load_plan(con, plans[i], progress, options, derivation)
    drops: list[str] = []
    if reload:
        snapshot_loads = [loads[i][0] for i in snapshots]
        _count_snapshot_news(con, snapshot_loads)
        db.execute(con, "snapshot_changed_stores")
        drops = snapshot_drops(con, options, snapshot_loads)  # refuse one that drops most stores
    derivation.changed_spans()
    for i in (i for i in range(len(plans)) if i not in loads):
        loads[i] = _load_plan(con, plans[i], progress, options, derivation)
    if progress:
        progress("deriving the report tables" + (" again for every store" if derive_again else ""))
    derivation.finish(options)
    return [loads[i] for i in range(len(plans))], drops, derivation.passes > 0


def _load_plan(
    con: duckdb.DuckDBPyConnection,
    planned: Plan,
    progress: Callable[[str], None] | None,
    options: LoadOptions,
    derivation: Derivation,
) -> tuple[FileLoad, registry.FilePlan]:
    """Load one planned file (or skip it) and note it in the registry."""
    kind, plan, positions = planned
    if plan.action in ("skip", "wait"):
        if plan.refresh:
            _record(con, kind, plan, (plan.rows_read, plan.rows_good), plan.retry_at)
        return _skipped(kind, plan), plan
    if progress:
        progress(f"loading {plan.path.name} ({plan.end - plan.start:,} bytes, {plan.action})")
    if plan.action == "replace" and kind is STATUS:
        if options.archive is not None:
            archive.forget_file(con, options.archive, plan.path.name, options.change)
        db.execute(con, "forget_file_polls", source_file=plan.path.name)
    result = staging.load_file(con, kind, plan, positions, options, derivation)
    result.action = "retry" if plan.retry else plan.action
    earlier = (plan.rows_read, plan.rows_good) if plan.action == "append" else (0, 0)
    good = result.rows_read - result.rows_rejected
    # an appended file keeps the due instant of its earlier lines' future polls
    retry_at = [result.retry_at, plan.retry_at if plan.action == "append" else None]
    _record(
        con,
        kind,
        plan,
        (earlier[0] + result.rows_read, earlier[1] + good),
        min((t for t in retry_at if t is not None), default=None),
    )
    return result, plan


def _record(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    plan: registry.FilePlan,
    rows: tuple[int, int],
    retry_at: datetime | None,
) -> None:
    """Note in the registry what is loaded of a file now.

    ``rows`` are the rows read and good so far; ``retry_at`` is when its polls rejected as in the
    future are due (or None).
    """
    rows_read, rows_good = rows
    db.execute(
        con,
        "record_file",
        source_file=plan.path.name,
        kind=kind.name,
        size_bytes=plan.size,
        mtime_ns=plan.mtime_ns,
        loaded_bytes=plan.end,
        n_lines=plan.n_lines,
        fingerprint=plan.fingerprint,
        rows_read=rows_read,
        rows_good=rows_good,
        retry_at=retry_at,
    )


def _skipped(kind: SourceKind, plan: registry.FilePlan) -> FileLoad:
    """A file already loaded: its rows count as already loaded (from the registry)."""
    return FileLoad(
        file=plan.path.name,
        kind=kind.name,
        rows_read=plan.rows_read,
        rows_already_loaded=plan.rows_good,
        rows_rejected=plan.rows_read - plan.rows_good,
        action="skip",
    )


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


def _load_row(f: FileLoad) -> dict[str, object]:
    return {
        "source_file": f.file,
        "kind": f.kind,
        "rows_read": f.rows_read,
        "rows_loaded": f.rows_loaded,
        "rows_already_loaded": f.rows_already_loaded,
        "rows_rejected": f.rows_rejected,
    }
