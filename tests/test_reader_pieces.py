"""Pieces of a file: cut at line ends whatever the reads that fed them, numbered by the file's
lines, and read by DuckDB's parallel CSV scanner only where it splits lines as the one reading
path does (tests/test_csv_reading.py compares the two readings line by line)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storemon.engine import db, reader
from storemon.engine.load import load_folder


def cut(data: bytes, piece_bytes: int, reads: list[int] | None = None, start: int = 0):
    """The pieces of ``data`` (bytes ``start`` on of a file), fed in reads of the given sizes."""
    cutter = reader.PieceCutter(start, data[:start].count(b"\n"))
    cutter.piece_bytes = piece_bytes
    position, sizes = start, list(reads or [])
    while position < len(data):
        size = sizes.pop(0) if sizes else len(data)
        cutter.feed(data[position : position + size])
        position += size
    return cutter.finish()


_LINE = st.text(alphabet=st.sampled_from(list("ab,\r\x01\ufeff")), max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(_LINE, max_size=30),
    final_newline=st.booleans(),
    piece_bytes=st.integers(min_value=1, max_value=60),
    reads=st.lists(st.integers(min_value=1, max_value=40), max_size=20),
    start_line=st.integers(min_value=0, max_value=5),
)
def test_pieces_are_whole_lines_numbered_by_the_file_whatever_the_reads(
    lines, final_newline, piece_bytes, reads, start_line
):
    data = "\n".join(lines).encode() + (b"\n" if final_newline and lines else b"")
    start = sum(len(line.encode()) + 1 for line in lines[:start_line])
    start = min(start, len(data))
    pieces = cut(data, piece_bytes, reads, start)
    assert pieces == cut(data, piece_bytes, None, start)  # the reads change nothing
    assert [p.start for p in pieces] == [start, *(p.end for p in pieces[:-1])][: len(pieces)]
    assert (pieces[-1].end if pieces else start) == len(data)
    for piece in pieces:
        body = data[piece.start : piece.end]
        assert piece.lines_before == data[: piece.start].count(b"\n")
        if piece is not pieces[-1]:
            assert body.endswith(b"\n")  # cut at a line end,
            assert len(body) >= piece_bytes  # once the piece is full,
            assert b"\n" not in body[piece_bytes - 1 : -1]  # at the first line end from there


@pytest.mark.parametrize(
    ("data", "new_line"),
    [
        (b"h\na\nb\n", "\n"),
        (b"h\na\n\n  \nb", "\n"),  # blank lines, no final newline
        (b"h\r\na\r\n\r\nb\r\n", "\r\n"),
        (b"h\r\na\r\nb", "\r\n"),
        (b"h\r\na\nb\n", None),  # mixed line endings
        (b"h\na\rb\n", None),  # a CR inside a line
        (b"h\r\na\r\r\n", None),  # a CR before the line ending
        (b"h\r\na\r\nb\r", None),  # a CR at the very end
        (b"h\na\x01b\n", None),  # the scanner's delimiter
        (b"\xef\xbb\xbfh\na\n", "\n"),  # the file's own byte-order mark
    ],
)
def test_the_scanner_reads_a_piece_only_where_every_line_ends_alike(data, new_line):
    (piece,) = cut(data, 1 << 20)
    assert piece.new_line == new_line


def test_a_byte_order_mark_inside_a_file_or_a_very_long_line_is_read_as_text():
    data = b"h\na\n\xef\xbb\xbfb\nc\n"
    first, second = cut(data, 4)[:2]
    assert (first.new_line, second.new_line) == ("\n", None)  # the second starts with U+FEFF
    long_line = b"h\n" + b"x" * (3 << 20) + b"\nshort\n"
    reads = [1 << 20] * 4  # as the registry reads: 1 MiB at a time
    assert [p.new_line for p in cut(long_line, 1 << 28, reads)] == [None]
    assert [p.new_line for p in cut(b"h\n" + b"x\n" * (2 << 20), 1 << 28, reads * 2)] == ["\n"]


@pytest.mark.slow
def test_a_file_scanned_on_every_core_keeps_its_physical_line_numbers(tmp_path, export_2024):
    """A status file larger than the scanner's buffers, read by several threads in one load:
    every reject carries its physical line."""
    lines = ["store_id,timestamp_utc,status"]
    bad = set(range(7, 1_200_000, 99_991))
    for number in range(2, 1_200_001):
        if number in bad:
            lines.append(f"S{number},not a time,active")
        else:
            lines.append(f"S{number % 977},2024-10-{1 + number % 28:02d} 10:00:00 UTC,active")
    (export_2024 / "store_status.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = db.connect(threads=4)
    load_folder(con, export_2024)
    got = con.execute(
        "select line, raw from rejects where source_file = 'store_status.csv' order by line"
    ).fetchall()
    assert got == [(n, f"S{n},not a time,active") for n in sorted(bad)]
