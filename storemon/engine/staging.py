"""Stage and merge one planned file a piece at a time; each piece of polls is derived as it goes.

A file's planned bytes are cut into pieces at line ends (``plan.pieces``, by
:class:`storemon.engine.reader.PieceCutter`). Each piece is scanned into its physical lines,
read by the kind's ``stg_<source>`` query into good rows and rejects, and merged
(``merge_<source>``); a piece of polls is then derived (its instants, kept for the load's one
merge into ``poll_instants``: :class:`storemon.engine.incremental.Derivation`), so that what a
piece stages is dropped with the next piece, and the load holds no more than a piece's rows
and its narrow instants.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import duckdb

from storemon.config import DEFAULT_TIMEZONE
from storemon.engine import db, pipeline, planning, reader, registry
from storemon.engine.incremental import Derivation, LoadOptions
from storemon.engine.sources import STATUS, FileError, FileLoad, SourceKind


def load_file(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    plan: registry.FilePlan,
    positions: dict,
    options: LoadOptions,
    derivation: Derivation,
) -> FileLoad:
    """Load the planned bytes of a file: all of it, or its header and its new complete lines.

    A piece that is the whole file is read in place; any other, and every piece of a file that
    may still grow (``complete_lines_only``), is read from a copy of its bytes, never past them.

    Args:
        con: The connection of the load (inside its transaction).
        kind: What the file holds.
        plan: What the load reads of it (its pieces).
        positions: The staging query's column positions (from its header).
        options: The load's options (its clock, torn lines).
        derivation: Derives each piece of polls merged.

    Returns:
        What happened to the file's rows.

    Raises:
        FileError: The file is not UTF-8 text, or disappeared while it was read.
    """
    name = plan.path.name
    total = FileLoad(file=name, kind=kind.name)
    if plan.start == 0:  # the file is read from its start: its earlier rejects are replaced
        db.execute(con, "forget_rejects", source_file=name)
    merge = {"source_file": name, "append": plan.action == "append"}
    if kind is STATUS:
        merge["check_held"] = bool(db.fetch_row(con, "held_polls", **merge)["check_held"])
    try:
        with tempfile.TemporaryDirectory(prefix="storemon-part-") as scratch:
            for piece in plan.pieces:
                in_place = piece.start == 0 and piece.end == plan.size
                if in_place and not options.complete_lines_only:
                    path = plan.path
                else:
                    path = reader.copy_piece(plan.path, piece, Path(scratch))
                loaded = _load_piece(
                    con, kind, (path, piece), positions, merge, planning.load_clock(options)
                )
                _add_counts(total, loaded)
                if path != plan.path:
                    path.unlink()
                if kind is STATUS and loaded.rows_loaded:
                    derivation.derive(pipeline.DERIVE_NEW)
                if options.private:  # the piece's staged rows are freed, not kept for a rollback
                    con.execute("commit")
                    con.execute("begin transaction")
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


def _load_piece(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    source: tuple[Path, reader.Piece],
    positions: dict[str, int],
    merge: dict[str, object],
    clock: datetime,
) -> FileLoad:
    """Stage one piece of a file, merge its good rows, record its rejects.

    ``source`` is the file to read (the file itself, or a copy of the piece) and the piece;
    ``merge`` the merge step's parameters (the file's name first); ``clock`` the load's clock.
    """
    path, piece = source
    name = str(merge["source_file"])
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
    db.execute(con, pipeline.MERGE_STEPS[kind.name], **merge)
    result.rows_loaded = _count(con, kind) - before
    result.rows_already_loaded = good - result.rows_loaded
    db.execute(con, "merge_rejects", source_file=name)
    return result


def _count(con: duckdb.DuckDBPyConnection, kind: SourceKind) -> int:
    """Rows in the table a kind loads into."""
    return int(db.run_query(con, "table_sizes").set_index("table_name").loc[kind.name, "n_rows"])
