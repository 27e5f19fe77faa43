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
from collections.abc import Iterator
from pathlib import Path

from storemon.engine.registry import FilePlan

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
# A file, or a grown file's new part, larger than this is read in pieces of about this size cut
# at line ends, each staged and merged on its own; reading a piece holds its text and its lines.
# A merge looks up the polls already held, so fewer pieces merge faster (10x fleet: 35-40 s with
# 256 MiB pieces, 50 s with 32 MiB). The staged rows of every piece stay in memory until the
# load's transaction commits anyway, so a smaller piece would not lower the peak much.
PIECE_BYTES = 1 << 28


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


def pieces(plan: FilePlan) -> Iterator[tuple[bytes, int]]:
    """Cut the planned bytes of a file into pieces of about :data:`PIECE_BYTES`, at line ends.

    Args:
        plan: What the load reads of the file: bytes ``[start, end)`` (``start`` 0: all of it
            after the header line), with ``lines_before`` physical lines before ``start``.

    Yields:
        ``(the piece's bytes, physical lines of the file before the piece)`` for each piece; a
        line longer than a piece is one piece of its own.
    """
    with open(plan.path, "rb") as source:
        source.readline()  # the header line
        start = plan.start or source.tell()
        lines_before = plan.lines_before if plan.start else 1
        source.seek(start)
        while start < plan.end:
            body = source.read(min(PIECE_BYTES, plan.end - start))
            cut = body.rfind(b"\n") + 1
            if 0 < cut < len(body) and start + len(body) < plan.end:
                source.seek(start + cut)  # the rest of the last line starts the next piece
                body = body[:cut]
            elif cut == 0 and start + len(body) < plan.end:
                body += source.readline()  # one line longer than a piece
                body = body[: plan.end - start]
            yield body, lines_before
            lines_before += body.count(b"\n")
            start += len(body)


def piece_name(lines_before: int) -> str:
    """The file name of a piece, which tells ``stg_lines`` the physical lines before it.

    Args:
        lines_before: Physical lines of the file before the piece's first line.

    Returns:
        ``<lines_before, 12 digits>.piece`` (``stg_lines`` reads the number back).
    """
    return f"{lines_before:012d}.piece"
