"""Reading a CSV file's lines: the limits of the one reading path, and why a file cannot be read.

Every input file is read by the ``stg_lines`` query (``sql/staging/stg_lines.sql``): its text is
split into physical lines, each line into fields, and a line's answer never depends on the lines
around it. A line longer than :data:`MAX_LINE_BYTES` or with a store id longer than
:data:`MAX_ID_CHARS` is rejected with its reason. A file DuckDB cannot read as text at all is
refused whole; :func:`unreadable` names the real cause: the first byte sequence that is not UTF-8
(its line and byte offset), or else DuckDB's own words.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storemon.engine import pipeline

# The longest line read (bytes, its line ending excluded): longer lines are rejected with their
# size, without being split into fields. A poll line is about 60 bytes; 1 MiB leaves room for any
# plausible export while bounding the work one line can cause.
MAX_LINE_BYTES = 1 << 20
# The longest plausible store id (characters): real ids are 15-19 digit numbers or 36-character
# UUIDs.
MAX_ID_CHARS = 64

# The limits as ``stg_lines`` parameters.
LIMITS = {"max_line_bytes": MAX_LINE_BYTES, "max_id_chars": MAX_ID_CHARS}

_CHUNK = 1 << 22
# A file, or a grown file's new part, larger than this is staged and merged in pieces of about
# this size, cut at line ends (:class:`PieceCutter`), so that staging holds one piece's lines
# and rows, not the file's.
PIECE_BYTES = 1 << 28
# DuckDB's CSV scanner reads a piece only when no line of it can be this long (bytes): the
# cutter proves it by finding a newline in every stretch of 2 MiB; a piece that may hold a longer
# line is read as text (``stg_scan_text``). Lines longer than MAX_LINE_BYTES are rejected either
# way, with their size.
SCAN_LINE_BYTES = 1 << 22
_PROVEN_LINE_BYTES = 1 << 21
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Piece:
    r"""A run of whole lines of a file, staged and merged on its own.

    Attributes:
        start: Byte offset of its first line in the file.
        end: Byte offset just past its last line (its newline included).
        lines_before: Physical lines of the file before ``start``.
        new_line: ``"\n"`` (LF) or ``"\r\n"`` (CRLF) when DuckDB's parallel CSV scanner,
            told that line ending, splits its lines exactly as the one reading path does
            (``stg_scan_csv``); None when it must be read as text (``stg_scan_text``): a CR that
            does not end a line the way every other line ends, a byte 0x01 (the scanner's
            delimiter), a line that may be longer than :data:`_PROVEN_LINE_BYTES`, or a
            byte-order mark at its start that is not the file's.
    """

    start: int
    end: int
    lines_before: int
    new_line: str | None


class PieceCutter:
    """Cut bytes fed in order into pieces of about :data:`PIECE_BYTES`, at line ends.

    Fed by the file registry while it fingerprints the bytes a load will read, so that the cuts,
    their line numbers and how each piece can be read cost no read of their own. A piece ends
    at the first newline from :data:`PIECE_BYTES` on (a line longer than a piece stays whole).
    """

    def __init__(self, start: int, lines_before: int) -> None:
        """Start cutting at byte ``start`` of the file, ``lines_before`` lines into it."""
        self.piece_bytes = PIECE_BYTES
        self._pieces: list[Piece] = []
        self._open(start, lines_before)

    def _open(self, start: int, lines_before: int) -> None:
        self._start, self._lines_before, self._end = start, lines_before, start
        self._lf = self._cr = self._crlf = 0
        self._last = b"\n"  # the byte before the piece: a line end (or the file's start)
        self._head = b""  # its first bytes (a byte-order mark?)
        self._since_lf = 0  # bytes after the last newline seen
        self._longest = 0  # a bound of its longest line, once above _PROVEN_LINE_BYTES
        self._soh = False

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of the file."""
        lo = 0
        while lo < len(chunk):
            limit = self._start + self.piece_bytes - self._end  # bytes before the piece is full
            cut = chunk.find(b"\n", lo + max(0, limit - 1)) if limit <= len(chunk) - lo else -1
            hi = len(chunk) if cut < 0 else cut + 1
            self._count(chunk, lo, hi)
            if cut >= 0:
                self._close()
            lo = hi

    def _count(self, chunk: bytes, lo: int, hi: int) -> None:
        """Note what bytes ``chunk[lo:hi]`` of the open piece hold."""
        if len(self._head) < 3:
            self._head += chunk[lo : lo + 3 - len(self._head)]
        # numpy counts newlines several times faster than bytes.count; CRs are rare
        self._lf += int(np.count_nonzero(np.frombuffer(chunk, np.uint8, hi - lo, lo) == 10))
        self._crlf += self._last == b"\r" and chunk[lo : lo + 1] == b"\n"
        if chunk.find(b"\r", lo, hi) >= 0:
            self._cr += chunk.count(b"\r", lo, hi)
            self._crlf += chunk.count(b"\r\n", lo, hi)
        self._soh = self._soh or chunk.find(b"\x01", lo, hi) >= 0
        first = chunk.find(b"\n", lo, hi)
        if first < 0:
            self._since_lf += hi - lo
        else:  # a line between the first and the last newline is no longer than that stretch
            last = chunk.rfind(b"\n", lo, hi)
            self._longest = max(self._longest, self._since_lf + first - lo, last - first)
            self._since_lf = hi - last - 1
        self._last = chunk[hi - 1 : hi]
        self._end += hi - lo

    def _close(self) -> None:
        if self._end > self._start:
            self._pieces.append(
                Piece(self._start, self._end, self._lines_before, self._new_line())
            )
        self._open(self._end, self._lines_before + self._lf)

    def _new_line(self) -> str | None:
        """The line ending DuckDB's CSV scanner may be told for the open piece, or None."""
        longest = max(self._longest, self._since_lf)
        bom = self._start > 0 and self._head == _BOM
        if self._soh or bom or longest >= _PROVEN_LINE_BYTES:
            return None
        if self._cr == 0:
            return "\n"
        if self._cr == self._crlf == self._lf:
            return "\r\n"
        return None

    @property
    def lines(self) -> int:
        """Physical lines of the file before the bytes fed so far end (newlines seen)."""
        return self._lines_before + self._lf

    def finish(self) -> tuple[Piece, ...]:
        """Close the last piece; return every piece, in file order."""
        self._close()
        return tuple(self._pieces)


# A piece's line ending as DuckDB's read_csv spells it.
DUCKDB_NEW_LINES = {"\n": "\\n", "\r\n": "\\r\\n"}


def scan_step(piece: Piece) -> str:
    """The staging step that reads a piece's physical lines: DuckDB's CSV scanner, or as text.

    Args:
        piece: The piece.

    Returns:
        ``stg_scan_csv`` when the scanner splits its lines as the one reading path does, else
        ``stg_scan_text``.
    """
    scan_csv, scan_text = pipeline.SCAN_STEPS
    return scan_text if piece.new_line is None else scan_csv


def copy_piece(path: Path, piece: Piece, folder: Path) -> Path:
    """Copy a piece's bytes out of its file (in the kernel where it can), to be read alone.

    Args:
        path: The file.
        piece: The piece.
        folder: Where the copy goes.

    Returns:
        The copy, ``<folder>/<start>.piece``.
    """
    target = folder / f"{piece.start}.piece"
    in_kernel = hasattr(os, "copy_file_range")
    with open(path, "rb") as source, open(target, "wb", buffering=0) as copy:
        offset, remaining = piece.start, piece.end - piece.start
        while remaining > 0:
            copied = 0
            if in_kernel:
                try:
                    copied = os.copy_file_range(source.fileno(), copy.fileno(), remaining, offset)
                except OSError:  # not between these file systems: copy through this process
                    in_kernel = False
            if not in_kernel:
                source.seek(offset)
                copied = copy.write(source.read(min(_CHUNK, remaining)))
            if copied == 0:
                break  # the file is shorter than planned: read what it holds
            offset += copied
            remaining -= copied
    return target


def first_undecodable(path: Path) -> tuple[int, int, bytes] | None:
    """Find the first byte sequence of a file that is not UTF-8.

    Args:
        path: The file.

    Returns:
        ``(line, byte offset, the bad bytes)`` (line 1-based, offset 0-based in the file), or
        None when the whole file is UTF-8.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    position = 0  # bytes of the file fed to the decoder so far
    lines = 0  # newlines before the bytes the decoder still holds
    with open(path, "rb") as stream:
        while True:
            chunk = stream.read(_CHUNK)
            held = decoder.getstate()[0]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                data = held + chunk
                offset = position - len(held) + error.start
                line = lines + data.count(b"\n", 0, error.start) + 1
                return line, offset, data[error.start : error.end]
            if not chunk:
                return None
            lines += (held + chunk).count(b"\n") - decoder.getstate()[0].count(b"\n")
            position += len(chunk)


def unreadable(path: Path, detail: str) -> str:
    """The sentence that refuses a file DuckDB could not read as text.

    Args:
        path: The input file (the whole file is searched: the bytes loaded before were text).
        detail: DuckDB's message.

    Returns:
        ``NAME cannot be read (line N, byte B): it is not UTF-8 text (bytes e9 2c); ...`` when a
        byte sequence is not UTF-8, else ``NAME cannot be read: <DuckDB's first line>``.
    """
    found = first_undecodable(path)
    if found is None:
        return f"{path.name} cannot be read: {detail.strip().splitlines()[0]}"
    line, offset, bad = found
    return (
        f"{path.name} cannot be read (line {line:,}, byte {offset:,}): it is not UTF-8 text "
        f"(bytes {bad.hex(' ')}); convert it to UTF-8 (e.g. `iconv -f latin1 -t utf-8`) and "
        "load it again"
    )
