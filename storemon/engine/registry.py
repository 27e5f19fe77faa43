"""The file registry: what is loaded of each input file, so that a load costs what is new.

Each loaded file has a row in ``files``: its size and mtime when loaded, the bytes loaded so far,
their line count and a SHA-256 fingerprint of them (left empty by a load into a database that no
later load reads: a folder loaded in memory for one report; a file an older storemon loaded keeps
its blake2b fingerprint: :func:`new_digest`). A load reads the whole registry once
(:func:`known_files`), then compares each file: same size and mtime -> skipped unread; grown, with
the loaded bytes unchanged -> only the new complete lines load (their line numbers continue the
file's); otherwise the file changed and is loaded again whole. A file some of whose polls were
rejected as in the future is loaded again whole once the clock has caught up with them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol

import duckdb

from storemon.engine import db
from storemon.engine.reader import Piece, PieceCutter

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FilePlan:
    """What a load does with one file.

    Attributes:
        path: The file.
        action: ``new``, ``skip`` (unchanged), ``wait`` (only a torn last line is new), ``append``
            (grown) or ``replace`` (its loaded content changed).
        size: Its size now.
        mtime_ns: Its modification time now.
        start: Byte offset the load reads from (after the bytes loaded before, for ``append``).
        end: Byte offset it reads to (the end of the last complete line, or of the file).
        lines_before: Physical lines before ``start`` (the header included).
        n_lines: Physical lines in ``[0, end)``.
        fingerprint: The digest of the bytes ``[0, end)`` (empty when the load keeps none).
        rows_read: Rows read from the file by earlier loads (kept for ``skip`` and ``append``).
        rows_good: Good rows among them.
        refresh: Skipped, but its mtime changed and its bytes did not: the registry notes the new
            mtime, so the next load skips it unread.
        retry: Loaded again whole because its polls rejected as in the future are due now.
        retry_at: When the polls earlier loads rejected as in the future are due (kept for
            ``append``), or None.
        torn: Its last line has no newline and is loaded (``complete_lines_only`` was off).
        pieces: The bytes ``[start, end)`` cut into pieces at line ends, each with how it can
            be read (:class:`storemon.engine.reader.Piece`); empty when nothing is read.
    """

    path: Path
    action: str
    size: int
    mtime_ns: int
    start: int = 0
    end: int = 0
    lines_before: int = 0
    n_lines: int = 0
    fingerprint: str = ""
    rows_read: int = 0
    rows_good: int = 0
    refresh: bool = False
    retry: bool = False
    retry_at: datetime | None = None
    torn: bool = False
    pieces: tuple[Piece, ...] = ()


class Known(NamedTuple):
    """What earlier loads took of one file (a row of the registry)."""

    kind: str
    size: int
    mtime_ns: int
    loaded: int
    n_lines: int
    fingerprint: str
    rows_read: int
    rows_good: int
    retry_at: datetime | None


def known_files(con: duckdb.DuckDBPyConnection) -> dict[str, Known]:
    """Read the whole registry at once: what earlier loads took of each file, by file name.

    Args:
        con: A connection to the database (its ``files`` table).

    Returns:
        Every file ever loaded, by name.
    """
    rows = con.execute(db.load_sql("registry_files")).fetchall()
    return {row[0]: Known(*row[1:]) for row in rows}


def plan_file(
    known: Known | None,
    path: Path,
    complete_lines_only: bool,
    clock: datetime,
    fingerprint: bool = True,
) -> FilePlan:
    """Decide what a load does with ``path``, reading it only when it is not known unchanged.

    Args:
        known: What earlier loads took of it (None: never loaded).
        path: The input file.
        complete_lines_only: Load only up to the last newline (``--watch``: a torn last line is a
            line still being written); otherwise the whole file.
        clock: The load's clock (a file's polls rejected as in the future may be due).
        fingerprint: Hash the bytes read (the plan's ``fingerprint``; else it is empty).

    Returns:
        The plan.
    """
    stat = path.stat()
    now = (stat.st_size, stat.st_mtime_ns)
    if known is not None and known.retry_at is not None and clock >= known.retry_at:
        plan = plan_file(None, path, complete_lines_only, clock, fingerprint)
        return FilePlan(**{**plan.__dict__, "action": "replace", "retry": True})
    if known is not None and now == (known.size, known.mtime_ns):
        if known.loaded == stat.st_size or complete_lines_only:
            return FilePlan(
                path,
                "skip",
                *now,
                known.loaded,
                known.loaded,
                known.n_lines,
                known.n_lines,
                known.fingerprint,
                known.rows_read,
                known.rows_good,
                retry_at=known.retry_at,
            )
    with open(path, "rb") as stream:
        end = _complete_end(stream) if complete_lines_only else stat.st_size
        grown = known is not None and 0 < known.loaded <= end
        digest = new_digest(known.fingerprint if grown else "") if fingerprint else _Unhashed()
        if grown:
            last = _feed(stream, digest, 0, known.loaded)
            grown = digest.hexdigest() == known.fingerprint and last == b"\n"
            if not grown:
                digest = new_digest()
        start = known.loaded if grown else 0
        cutter = PieceCutter(start, known.n_lines if grown else 0)
        last = _feed(stream, digest, start, end, cutter)
        lines = cutter.lines
        pieces = cutter.finish()
    torn = not complete_lines_only and end > start and last != b"\n"
    if grown:
        touched = end == start == stat.st_size  # same bytes, a new mtime
        action = "append" if end > start else ("skip" if touched else "wait")
        return FilePlan(
            path,
            action,
            *now,
            start,
            end,
            known.n_lines,
            lines,
            digest.hexdigest(),
            known.rows_read,
            known.rows_good,
            refresh=touched,
            retry_at=known.retry_at,
            torn=torn,
            pieces=pieces,
        )
    action = "new" if known is None else "replace"
    if end == 0 and known is None:
        action = "wait"
    return FilePlan(
        path, action, *now, 0, end, 0, lines, digest.hexdigest(), torn=torn, pieces=pieces
    )


class Digest(Protocol):
    """What the registry asks of a digest (hashlib's, or :class:`_Unhashed`)."""

    def update(self, data: bytes, /) -> None:
        """Take the next bytes."""

    def hexdigest(self) -> str:
        """The digest of the bytes taken, in hex."""


# The hex length of a blake2b digest: the fingerprints of storemon before SHA-256.
_BLAKE2B_HEX = 2 * hashlib.blake2b().digest_size


def new_digest(known: str = "") -> Digest:
    """A new digest for a file's fingerprint, of the algorithm of ``known``.

    SHA-256, which the processor computes with its own instructions where it has them (SHA-NI:
    about 1.6 GB/s against 0.8 GB/s for blake2b on one core; the fingerprint of a first ingest
    reads every byte, before any is loaded). A file fingerprinted by an older storemon (blake2b)
    is checked, and fingerprinted while it grows, with blake2b.

    Args:
        known: The fingerprint a file is compared with, or empty for a new one.

    Returns:
        A hashlib object.
    """
    return hashlib.blake2b() if len(known) == _BLAKE2B_HEX else hashlib.sha256()


class _Unhashed:
    """Stands for the digest of a load that keeps no fingerprint."""

    def update(self, data: bytes) -> None:
        """Take bytes and keep nothing of them."""

    def hexdigest(self) -> str:
        """The empty fingerprint."""
        return ""


def _complete_end(stream: BinaryIO) -> int:
    """The byte offset just past the last newline of the file (0 without any)."""
    position = 0
    end = 0
    stream.seek(0)
    while chunk := stream.read(_CHUNK):
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            end = position + cut + 1
        position += len(chunk)
    return end


def _feed(
    stream: BinaryIO,
    digest: Digest,
    start: int,
    end: int,
    cutter: PieceCutter | None = None,
) -> bytes:
    """Hash the bytes ``[start, end)`` and feed them to ``cutter``; return their last byte."""
    stream.seek(start)
    last = b""
    remaining = end - start
    while remaining > 0:
        chunk = stream.read(min(_CHUNK, remaining))
        if not chunk:
            break
        digest.update(chunk)
        if cutter is not None:
            cutter.feed(chunk)
        last = chunk[-1:]
        remaining -= len(chunk)
    return last
