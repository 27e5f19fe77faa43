"""Load the raw CSV exports into DuckDB tables, keeping every rejected row with its reason.

One code path serves both uses: ``storemon ingest`` loads a folder into the database file, and
``compute_report`` on a folder loads it into an in-memory database first. Each file is read in
DuckDB as text, parsed by its ``stg_<source>`` query into good rows and rejects, and merged
(``merge_<source>``): polls are appended without duplicates; business hours and time zones are
snapshots replaced by the files of the latest load. ``derive_tables`` then builds what every
report reads.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from storemon.config import DEFAULT_TIMEZONE
from storemon.engine import archive, db, pipeline, planning, reader, registry, schema
from storemon.engine.incremental import LoadOptions, derive_after_load, snapshot_drops
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
    upgrade = version is not None and version < schema.CURRENT_VERSION
    db.run_stage(con, "base")
    if options.archive is not None:
        archive.recover(options.archive, con)  # what a killed load left, before writing more
    plans, kept = planning.plan_files(registry.known_files(con), sources, options)
    con.execute("begin transaction")
    try:
        reload = planning.reloaded_snapshots(plans)
        loads = _load_plans(con, plans, reload, progress, options)
        drops: list[str] = []
        if reload:  # refuse a snapshot that drops most stores
            drops = snapshot_drops(con, options, [f for f, _ in loads])
        if upgrade:
            db.run_stage(con, "upgrade")
        if progress:
            progress("deriving the report tables" + (" again for every store" if upgrade else ""))
        derive_after_load(con, options)
        if options.archive is not None:
            archive.apply_retention(con, options.archive, options.retention_days, options.change)
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
    if upgrade:
        kept.append(
            f"the database was made by an older storemon (schema {version}): every store's "
            f"report tables were derived again (schema {schema.CURRENT_VERSION} now)"
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
    reload: set[str],
    progress: Callable[[str], None] | None,
    options: LoadOptions,
) -> list[tuple[FileLoad, registry.FilePlan]]:
    """Stage and merge the planned files; note each one in the registry.

    ``reload`` names the snapshot kinds the load replaces (:func:`_reloaded_snapshots`).
    """
    db.execute(con, "begin_batch")
    if reload:  # an hourly drop of polls alone leaves the snapshots untouched, unread
        db.execute(
            con,
            "reset_snapshots",
            reset_hours=HOURS.name in reload,
            reset_zones=TIMEZONES.name in reload,
        )
    loads = []
    for kind, plan, positions in plans:
        if plan.action in ("skip", "wait"):
            loads.append((_skipped(kind, plan), plan))
            if plan.refresh:
                _record(con, kind, plan, (plan.rows_read, plan.rows_good), plan.retry_at)
            continue
        if progress:
            progress(f"loading {plan.path.name} ({plan.end - plan.start:,} bytes, {plan.action})")
        if plan.action == "replace" and kind is STATUS:
            if options.archive is not None:
                archive.forget_file(con, options.archive, plan.path.name, options.change)
            db.execute(con, "forget_file_polls", source_file=plan.path.name)
        result = _load_part(con, kind, plan, positions, options)
        result.action = "retry" if plan.retry else plan.action
        loads.append((result, plan))
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
    if reload:
        _count_snapshot_news(con, [f for f, _ in loads])
        db.execute(con, "snapshot_changed_stores")
    return loads


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


def _load_part(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    plan: registry.FilePlan,
    positions: dict,
    options: LoadOptions,
) -> FileLoad:
    """Load the planned bytes of a file: all of it, or its header and its new complete lines.

    The bytes are staged and merged a piece at a time (``plan.pieces``, cut by
    :class:`reader.PieceCutter`), so that staging holds one piece's lines and rows; each piece's
    lines keep the file's numbers. A piece that is the whole file is read in place; any other,
    and every piece of a file that may still grow (``complete_lines_only``), is read from a copy
    of its bytes, never past them.
    """
    clock = planning.load_clock(options)
    total = FileLoad(file=plan.path.name, kind=kind.name)
    if plan.start == 0:  # the file is read from its start: its earlier rejects are replaced
        db.execute(con, "forget_rejects", source_file=plan.path.name)
    try:
        with tempfile.TemporaryDirectory(prefix="storemon-part-") as scratch:
            for piece in plan.pieces:
                in_place = piece.start == 0 and piece.end == plan.size
                if in_place and not options.complete_lines_only:
                    path = plan.path
                else:
                    path = reader.copy_piece(plan.path, piece, Path(scratch))
                loaded = _load_file(con, kind, (path, piece), positions, plan.path.name, clock)
                _add_counts(total, loaded)
                if path != plan.path:
                    path.unlink()
        return total
    except duckdb.InvalidInputException as error:
        # DuckDB refuses a file it cannot read as text before any line is split; the load stops
        # whole (nothing is written) and the message names the real cause.
        raise FileError(plan.path, reader.unreadable(plan.path, str(error))) from None
    except (FileNotFoundError, duckdb.IOException):
        if plan.path.exists():
            raise
        raise planning.vanished(plan.path) from None


def _add_counts(total: FileLoad, part: FileLoad) -> None:
    """Add what one piece of a file did to the file's counts."""
    total.rows_read += part.rows_read
    total.rows_loaded += part.rows_loaded
    total.rows_already_loaded += part.rows_already_loaded
    total.rows_rejected += part.rows_rejected
    total.rejects_by_reason.update(part.rejects_by_reason)
    due = [t for t in (total.retry_at, part.retry_at) if t is not None]
    total.retry_at = min(due, default=None)


def _load_file(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    source: tuple[Path, reader.Piece],
    positions: dict[str, int],
    name: str,
    clock: datetime,
) -> FileLoad:
    """Stage one piece of a file, merge its good rows, record its rejects.

    ``source`` is the file to read (the file itself, or a copy of the piece) and the piece;
    ``name`` names the file the piece is of; ``clock`` is the load's clock.
    """
    path, piece = source
    # every kind reads its lines the same way (stg_lines), then types its own fields
    db.run_steps(
        con,
        (reader.scan_step(piece), *pipeline.STAGING_CHAINS[kind.name]),
        file=str(path),
        new_line=reader.DUCKDB_NEW_LINES.get(piece.new_line),
        max_scan=reader.SCAN_LINE_BYTES,
        lines_before=piece.lines_before,
        default_tz=DEFAULT_TIMEZONE,
        clock=clock,
        **reader.LIMITS,
        **positions,
    )
    counts = db.run_query(con, "staged_counts")
    result = FileLoad(file=name, kind=kind.name)
    if kind is STATUS:
        result.retry_at = db.fetch_row(con, "staged_retry_at", clock=clock)["retry_at"]
    for reason, n_rows in zip(counts["reason"], counts["n_rows"], strict=True):
        result.rows_read += int(n_rows)
        if reason is None or reason != reason:  # NaN from pandas for the good rows
            continue
        result.rows_rejected += int(n_rows)
        result.rejects_by_reason[reason] += int(n_rows)
    good = result.rows_read - result.rows_rejected
    before = _count(con, kind)
    db.execute(con, pipeline.MERGE_STEPS[kind.name], source_file=name)
    result.rows_loaded = _count(con, kind) - before
    result.rows_already_loaded = good - result.rows_loaded
    db.execute(con, "merge_rejects", source_file=name)
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
