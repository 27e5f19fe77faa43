"""Reading CSV lines: one path whatever a line's neighbours, limits, real causes, plausible ids."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storemon import compute_report
from storemon.engine import db, reader
from storemon.engine.ingest import ingest
from storemon.engine.load import load_folder
from storemon.errors import StoremonError

HEADER = "store_id,timestamp_utc,status\n"
GOOD = "A,2024-10-14 10:00:00 UTC,active"
MISQUOTED = (
    "a double quote out of place (a quoted field is whole in quotes, closes on its line and "
    "doubles a quote inside)"
)


def scanners_of(text: bytes) -> list[str | None]:
    """The line endings a file may be scanned with: as text (None) and, when the reader finds
    that DuckDB's CSV scanner splits its lines as the one reading path does, with the scanner."""
    cutter = reader.PieceCutter(0, 0)
    cutter.feed(text)
    (piece,) = cutter.finish()
    return [None] if piece.new_line is None else [None, piece.new_line]


def read_lines(path, n_fields: int, new_line: str | None, max_line_bytes: int = 1 << 20):
    """stg_lines of a whole file, scanned as text (new_line None) or by DuckDB's CSV scanner."""
    con = stage_lines(path, n_fields, new_line, max_line_bytes)
    return con.execute("select line, fields, line_reason from stg_lines").fetchall()


def stage_lines(path, n_fields: int, new_line: str | None, max_line_bytes: int = 1 << 20):
    """A connection whose view stg_lines reads the lines of a whole file."""
    con = db.connect()
    piece = reader.Piece(0, path.stat().st_size, 0, new_line)
    db.execute(
        con,
        reader.scan_step(piece),
        file=str(path),
        new_line=reader.DUCKDB_NEW_LINES.get(new_line),
        max_scan=reader.SCAN_LINE_BYTES,
    )
    db.execute(
        con,
        "stg_lines",
        lines_before=0,
        n_fields=n_fields,
        id_pos=1,
        max_line_bytes=max_line_bytes,
        max_id_chars=reader.MAX_ID_CHARS,
    )
    return con


def status_rejects(con) -> list[tuple]:
    return con.execute(
        "select line, reason from rejects where source_file = 'store_status.csv' order by line"
    ).fetchall()


def load_status(folder, body: bytes):
    (folder / "store_status.csv").write_bytes(HEADER.encode() + body)
    con = db.connect()
    load_folder(con, folder)
    return con


def test_a_row_reads_the_same_whatever_its_neighbours(export_2024):
    # on main, the first file kept the tabs of '\t888\t' and read '"abc,def"' as one field,
    # the second (one bad row more) trimmed the tabs and split the quotes naively
    rows = 'X\t888\t,2024-10-14 10:00:00 UTC,active\n"abc,def",2024-10-14 10:00:00 UTC,active\n'
    clean = load_status(export_2024, rows.encode())
    mixed = load_status(export_2024, (rows + "B,bad,active\n").encode())
    query = "select store_id from store_status order by 1"
    assert clean.execute(query).fetchall() == [("abc,def",)]
    assert mixed.execute(query).fetchall() == [("abc,def",)]
    assert status_rejects(clean) == [(2, "store_id: holds a control character (U+0009)")]
    assert status_rejects(mixed)[:-1] == status_rejects(clean)
    assert status_rejects(mixed)[-1] == (4, "unparseable timestamp 'bad'")


INSTANTS = {  # what an export may write -> the UTC instant read
    "2024-10-14 10:00:00.123456 UTC": "2024-10-14 10:00:00.123456",
    "2024-10-14 10:00:00.5 UTC": "2024-10-14 10:00:00.500000",
    "2024-10-14 10:00:00.1234567891 UTC": "2024-10-14 10:00:00.123456",  # truncated to us
    "2024-10-14 10:00:00 UTC": "2024-10-14 10:00:00.000000",
    "2024-10-14T10:00:00Z": "2024-10-14 10:00:00.000000",
    "2024-10-14 10:00:00+00:00": "2024-10-14 10:00:00.000000",
    "2024-10-14 12:00:00 +02:00": "2024-10-14 10:00:00.000000",  # another offset: to UTC
    "2024-10-14 10:00": "2024-10-14 10:00:00.000000",  # no suffix: UTC
}
NOT_INSTANTS = [
    "2024-10-14",  # a bare date
    "2024/10/14 10:00:00",
    "2024-10-14 10:0",
    "2024-10-14X10:00:00",
    "2024-10-14 10-00:00",
    "yesterday",
]


def test_the_instants_an_export_writes_and_those_refused(export_2024):
    texts = [*INSTANTS, *NOT_INSTANTS]
    body = "".join(f"S{i},{text},active\n" for i, text in enumerate(texts))
    con = load_status(export_2024, body.encode())
    read = dict(
        con.execute(
            "select store_id, strftime(timestamp_utc, '%Y-%m-%d %H:%M:%S.%f') from store_status"
        ).fetchall()
    )
    assert read == {f"S{i}": instant for i, instant in enumerate(INSTANTS.values())}
    assert status_rejects(con) == [
        (len(INSTANTS) + 2 + i, f"unparseable timestamp '{text}'")
        for i, text in enumerate(NOT_INSTANTS)
    ]


def test_quoting_follows_rfc_4180_on_one_line(export_2024):
    body = (
        b'"abc,def",2024-10-14 10:00:00 UTC,active\n'  # 2: a comma inside quotes
        b'" q""x ",2024-10-14 10:00:00 UTC, "Active" \n'  # 3: a doubled quote, spaces around
        b'"open,2024-10-14 10:00:00 UTC,active\n'  # 4: never closed on its line
        b"C,2024-10-14 11:00:00 UTC,active\n"  # 5: read on its own
        b'ab"c,2024-10-14 10:00:00 UTC,active\n'  # 6: a quote inside a plain field
        b"\t888\t,2024-10-14 10:00:00 UTC,active\n"  # 7: tabs trimmed
    )
    con = load_status(export_2024, body)
    assert con.execute("select store_id, status from store_status order by 1").fetchall() == [
        ("888", "active"),
        ("C", "active"),
        ("abc,def", "active"),
        ('q"x', "active"),
    ]
    assert status_rejects(con) == [
        (4, MISQUOTED),
        (6, MISQUOTED),
    ]


def test_a_quoted_line_break_is_a_reject_not_a_traceback(export_2024):
    body = b'"A\nB",2024-10-14 10:00:00 UTC,active\n' + GOOD.encode() + b"\n"
    con = load_status(export_2024, body)
    assert status_rejects(con) == [
        (2, MISQUOTED),
        (3, MISQUOTED),
    ]
    assert con.execute("select store_id from store_status").fetchall() == [("A",)]


def test_mixed_line_endings_load(export_2024):
    # CRLF lines, then one LF line (a tool appending to an export): main refused it as not UTF-8
    body = b"A,2024-10-14 10:00:00 UTC,active\r\n" + b"B,2024-10-14 11:00:00 UTC,inactive\n"
    body += b"C,2024-10-14 12:00:00 UTC,active\r\nD,2024-10-14 13:00:00 UTC,active\r"
    con = load_status(export_2024, body)
    assert con.execute("select store_id, status from store_status order by 1").fetchall() == [
        ("A", "active"),
        ("B", "inactive"),
        ("C", "active"),
        ("D", "active"),
    ]
    assert status_rejects(con) == []


def test_field_bombs_and_long_lines_are_rejected_fast_with_their_reason(export_2024):
    body = GOOD.encode() + b"\n" + b"," * 100_000 + b"\n" + b"x" * 10_000_000 + b"\n"
    started = time.monotonic()
    con = load_status(export_2024, body + b"B,2024-10-14 11:00:00 UTC,active\n")
    assert time.monotonic() - started < 5  # main: 78 s for the 100,000 commas alone
    assert status_rejects(con) == [
        (3, "expected 3 fields, found 100,001"),
        (4, "line of 10,000,000 bytes, longer than the limit of 1,048,576"),
    ]
    assert con.execute("select store_id from store_status order by 1").fetchall() == [
        ("A",),
        ("B",),
    ]
    # the raw line kept with a reject is cut short
    assert con.execute("select max(length(raw)) from rejects").fetchone()[0] <= 1004


def test_not_utf8_names_its_line_and_byte_and_other_causes_are_not_called_so(
    tmp_path, export_2024
):
    (export_2024 / "store_status.csv").write_bytes(
        HEADER.encode() + b"A,2024-10-14 10:00:00 UTC,active\r\n" * 2 + b"Caf\xc3\xa9\xff,x,y\n"
    )
    with pytest.raises(StoremonError) as refused:
        ingest(export_2024, tmp_path / "s.duckdb")
    assert str(refused.value).startswith(
        "store_status.csv cannot be read (line 4, byte 103): it is not UTF-8 text (bytes ff)"
    )


@pytest.mark.parametrize(
    ("store_id", "reason"),
    [
        ("=cmd|' /C calc'!A0", "store_id: starts with '=' (a spreadsheet formula)"),
        ("+1+1", "store_id: starts with '+' (a spreadsheet formula)"),
        ("-2", "store_id: starts with '-' (a spreadsheet formula)"),
        ("@SUM(A1)", "store_id: starts with '@' (a spreadsheet formula)"),
        ("a\x00b", "store_id: holds a control character (U+0000)"),
        ("a\x1bb", "store_id: holds a control character (U+001B)"),
        ("a\u202eb", "store_id: holds a control character (U+202E)"),
        ("a\x7fb", "store_id: holds a control character (U+007F)"),
        ("a\x85b", "store_id: holds a control character (U+0085)"),
        ('a"\\\x1fb', "store_id: holds a control character (U+001F)"),
        ('a"\\\xadb', "store_id: holds a control character (U+00AD)"),
        ("x" * 100_000, "store_id: 100,000 characters, at most 64"),
        ("x" * 65, "store_id: 65 characters, at most 64"),
    ],
)
def test_implausible_store_ids_are_rejected_in_every_input(export_2024, store_id, reason):
    quoted = '"' + store_id.replace('"', '""') + '"'
    (export_2024 / "store_status.csv").write_text(
        f"{HEADER}{quoted},2024-10-14 10:00:00 UTC,active\nG,2024-10-14 10:00:00 UTC,active\n",
        encoding="utf-8",
    )
    (export_2024 / "menu_hours.csv").write_text(
        f"store_id,dayOfWeek,start_time_local,end_time_local\n{quoted},0,09:00,17:00\n",
        encoding="utf-8",
    )
    (export_2024 / "timezones.csv").write_text(
        f"store_id,timezone_str\n{quoted},America/Denver\n", encoding="utf-8"
    )
    for name in ("store_timezone.csv", "bq-results.csv"):
        (export_2024 / name).unlink(missing_ok=True)
    con = db.connect()
    load_folder(con, export_2024)
    got = con.execute("select source_file, line, reason from rejects order by 1").fetchall()
    assert got == [
        ("menu_hours.csv", 2, reason),
        ("store_status.csv", 2, reason),
        ("timezones.csv", 2, reason),
    ]
    report = compute_report(export_2024)
    assert store_id not in set(report["store_id"])
    assert not any(str(s)[:1] in "=+-@" for s in report["store_id"])


def test_real_export_ids_are_plausible(loaded_2023, export_2024):
    con, _ = loaded_2023
    reasons = [r for (r,) in con.execute("select reason from rejects").fetchall()]
    assert not [r for r in reasons if r.startswith("store_id")]
    ids = [
        "8419537941919820732",
        "257406274356679",
        "0c7ce1d6-8a49-4d1e-9e5c-6a4a8c1b2f10",
    ]
    body = "".join(f"{i},2024-10-14 10:00:00 UTC,active\n" for i in ids).encode()
    fresh = load_status(export_2024, body)
    assert status_rejects(fresh) == []
    got = {i for (i,) in fresh.execute("select store_id from store_status").fetchall()}
    assert got == set(ids)


_CELL = st.text(alphabet=st.sampled_from(list('ab1 \t",\r=')), max_size=6)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.lists(_CELL, min_size=1, max_size=4), min_size=1, max_size=6))
def test_property_a_line_reads_the_same_alone_and_amid_bad_rows(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("prop")
    lines = [",".join(cells) for cells in rows]
    noise = ['"unclosed,x,y', "1,2", "a,b,c,d,e", 'q"q,1,2']

    def read(body_lines):
        path = folder / "menu_hours.csv"
        text = "store_id,dayOfWeek,start_time_local,end_time_local\n" + "\n".join(body_lines)
        path.write_bytes((text + "\n").encode())
        scans = [read_lines(path, 4, new_line) for new_line in scanners_of(path.read_bytes())]
        assert all(scan == scans[0] for scan in scans)  # the CSV scanner reads as the text path
        return {line: (fields, reason) for line, fields, reason in scans[0]}

    alone = [read([line]).get(2) for line in lines]
    mixed_lines = [x for pair in zip(noise * len(lines), lines, strict=False) for x in pair]
    mixed = read(mixed_lines)
    for i, line in enumerate(lines):
        assert mixed.get(2 * i + 3) == alone[i], line


def loaded_tables(con) -> dict[str, list[tuple]]:
    """Everything a load wrote that a reader of the file decides: polls, hours, zones, rejects."""
    queries = {
        "polls": "select store_id, timestamp_utc, status from store_status",
        "hours": "select store_id, day_of_week, start_time_local, end_time_local from menu_hours",
        "zones": "select store_id, timezone_str from timezones",
        "rejects": "select source_file, line, reason, raw from rejects",
    }
    return {name: sorted(con.execute(sql).fetchall()) for name, sql in queries.items()}


@pytest.mark.slow
def test_a_file_read_in_pieces_loads_as_read_whole(export_2023, monkeypatch):
    from storemon.synthetic.generate import PINNED_END, generate

    generate(
        export_2023, stores=80, days=4, seed=3, end=PINNED_END
    )  # ~500 kB of polls over the fixture
    status = export_2023 / "store_status.csv"
    lines = status.read_bytes().split(b"\n")
    lines[57] = b"x,not a time,active"  # rejects at known lines, in different pieces
    lines[-200] = b"y,2024-10-29 01:00:00 UTC,sleeping"
    late = len(lines) - 200 + 1  # its 1-based line number
    status.write_bytes(b"\n".join(lines))

    whole = db.connect()
    load_folder(whole, export_2023)
    monkeypatch.setattr(reader, "PIECE_BYTES", 4096)  # dozens of pieces, cut inside lines
    pieces = db.connect()
    load_folder(pieces, export_2023)

    expected = loaded_tables(whole)
    assert loaded_tables(pieces) == expected
    assert {(line, raw) for _, line, _, raw in expected["rejects"]} >= {
        (58, "x,not a time,active"),
        (late, "y,2024-10-29 01:00:00 UTC,sleeping"),
    }


def reference_fields(raw: str) -> list[str] | None:
    """The fields of one line by RFC 4180 on one line, read by hand (None: a misplaced quote).

    An independent reading of docs/report.md, "Inputs and loading": a field is plain text without
    a double quote, or whole in double quotes (a quote doubled inside); spaces and tabs around it,
    and inside its quotes, are trimmed.
    """
    fields, i, n = [], 0, len(raw)
    while True:
        j = i
        while j < n and raw[j] in " \t":
            j += 1
        if j < n and raw[j] == '"':
            value, k = [], j + 1
            while k < n and not (raw[k] == '"' and raw[k + 1 : k + 2] != '"'):
                value.append(raw[k])
                k += 2 if raw[k] == '"' else 1
            if k >= n:
                return None  # the quote never closes on its line
            k += 1
            while k < n and raw[k] in " \t":
                k += 1
            if k < n and raw[k] != ",":
                return None  # text after the closing quote
            fields.append("".join(value).strip(" \t"))
        else:
            k = i
            while k < n and raw[k] not in ',"':
                k += 1
            if k < n and raw[k] == '"':
                return None  # a quote inside a plain field
            fields.append(raw[i:k].strip(" \t"))
        if k >= n:
            return fields
        i = k + 1


def reference_lines(text: str, max_line_bytes: int) -> dict[int, object]:
    """Each data line's number and its fields, or "long" / "misquoted"; blank lines left out."""
    text = text[:-1] if text.endswith("\r") else text
    read: dict[int, object] = {}
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if number == 1 or raw.strip(" \t") == "":
            continue
        if len(raw.encode()) > max_line_bytes:
            read[number] = "long"
        else:
            fields = reference_fields(raw)
            read[number] = "misquoted" if fields is None else fields
    return read


def _as_read(fields: list[str], reason: str | None) -> object:
    """A stg_lines row as reference_lines gives it: "long", "misquoted" or the fields."""
    if reason and reason.startswith("line of"):
        return "long"
    return "misquoted" if reason == MISQUOTED else fields


_PLAIN = st.sampled_from(
    [
        "A,2024-10-14 10:00:00 UTC,active",  # the common line: the fast path
        "B,2024-10-14 11:00:00.5 UTC,inactive",
        " C ,2024-10-14 12:00:00 UTC,\tActive",  # blanks to trim
        "G, 2024-10-14 12:00:00 UTC,active",  # a blank after a comma only
        "H,2024-10-14 12:00:00 UTC ,active",  # a blank before a comma only
        '"D,1",2024-10-14 10:00:00 UTC,"active"',  # quoted
        "E,2024-10-14 10:00:00 UTC",  # a field short
        "F,not a time,active",
        "x" * 70 + ",2024-10-14 10:00:00 UTC,active",  # longer than the limit below
        "",
        " \t ",
    ]
)
_RANDOM = st.lists(
    st.text(alphabet=st.sampled_from(list('aZ1 \t",\r=\x00\x7f\\\xadé')), max_size=5), max_size=4
).map(",".join)
_ENDING = st.sampled_from(["\n", "\r\n", "\r\r\n"])
# Every line ends alike (LF, or CRLF: DuckDB's CSV scanner may read the file) or each its own way
_ENDINGS = st.one_of(st.just("\n"), st.just("\r\n"), st.none())


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    lines=st.lists(st.tuples(st.one_of(_PLAIN, _RANDOM), _ENDING), min_size=1, max_size=40),
    every_ending=_ENDINGS,
    final_newline=st.booleans(),
    piece_bytes=st.integers(min_value=1, max_value=400),
)
def test_property_lines_read_as_by_hand_and_alike_whole_or_in_pieces(
    export_2024, monkeypatch, lines, every_ending, final_newline, piece_bytes
):
    folder = export_2024  # its hours and zones; its polls replaced
    header = HEADER if every_ending is None else HEADER.replace("\n", every_ending)
    body = "".join(line + (every_ending or ending) for line, ending in lines)
    text = header + (body if final_newline else body.rstrip("\r\n"))
    path = folder / "store_status.csv"
    path.write_bytes(text.encode())
    limit = 64
    for new_line in scanners_of(text.encode()):  # as text, and by DuckDB's scanner if it may
        rows = read_lines(path, 3, new_line, max_line_bytes=limit)
        got = {line: _as_read(fields, reason) for line, fields, reason in rows}
        assert got == reference_lines(text, limit), new_line
    with monkeypatch.context() as patch:
        patch.setitem(reader.LIMITS, "max_line_bytes", limit)

        whole = db.connect()
        load_folder(whole, folder)
        patch.setattr(reader, "PIECE_BYTES", piece_bytes)  # slices of a few bytes, cut anywhere
        pieces = db.connect()
        load_folder(pieces, folder)
    expected, got = loaded_tables(whole), loaded_tables(pieces)
    assert got == expected  # every poll too: identical lines of a file are kept in any piece


# ASCII, its controls and DEL, the C1 controls, format characters (soft hyphen, zero-width
# space, a bidi override), the line and paragraph separators, a quote and a backslash (which
# JSON escapes), and other letters
_ID_CHARS = 'aZ9_.:/"\\\x00\x01\x09\x1f\x7f\x80\x85\x9f\xad\u200b\u202e\u2028\u2029é€𝒜'


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.text(alphabet=st.sampled_from(_ID_CHARS), min_size=1, max_size=6)))
def test_property_an_id_is_refused_for_its_first_control_character_as_unicode_says(
    tmp_path_factory, ids
):
    """A store_id holding a character of Unicode's categories Cc, Cf, Zl or Zp is refused,
    naming the first one; any other id is not refused for that."""
    import unicodedata

    ids = [i for i in ids if i.strip(" \t") == i and not i.startswith(("=", "+", "-", "@"))]
    path = tmp_path_factory.mktemp("ids") / "ids.csv"
    lines = "".join('"' + i.replace('"', '""') + '",x\n' for i in ids)
    path.write_text("store_id,v\n" + lines, encoding="utf-8")
    rows = sorted(read_lines(path, 2, None))
    assert [fields[0] for _, fields, _ in rows] == ids
    for (_, _, reason), store_id in zip(rows, ids, strict=True):
        controls = [c for c in store_id if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
        if controls:
            assert reason == f"store_id: holds a control character (U+{ord(controls[0]):04X})"
        else:
            assert reason is None


def reference_clock_us(text: str, is_end: bool) -> int | None:
    """A business-hours time in microseconds as read by hand, or None if it is refused:
    ``H:MM`` or ``HH:MM``, then optionally ``:SS`` and a fraction (digits beyond six are cut);
    below 24:00, except that an end may be exactly 24:00 (midnight)."""
    match = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6})[0-9]*)?)?", text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    seconds = int(match[3] or 0)
    micros = int((match[4] or "").ljust(6, "0"))
    in_day = hours < 24 and minutes < 60 and seconds < 60
    if not (in_day or is_end and (hours, minutes, seconds, micros) == (24, 0, 0, 0)):
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros


_CLOCK = st.one_of(
    # the common shape (read by position) with any two digits each
    st.tuples(*[st.integers(0, 99)] * 3).map(lambda t: "{:02d}:{:02d}:{:02d}".format(*t)),
    st.sampled_from(["24:00", "24:00:00", "24:00:00.0", "24:00:00.000001", "9:05", "23:59:59.9"]),
    st.text(alphabet=st.sampled_from(list("0129:. a٣")), max_size=12),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(times=st.lists(st.tuples(_CLOCK, _CLOCK), min_size=1, max_size=30))
def test_property_business_hours_times_read_as_by_hand(tmp_path_factory, times):
    path = tmp_path_factory.mktemp("hours") / "menu_hours.csv"
    rows = "".join(f"S{i},1,{start},{end}\n" for i, (start, end) in enumerate(times))
    path.write_text("store_id,dayOfWeek,start_time_local,end_time_local\n" + rows)
    con = stage_lines(path, 4, None)
    db.execute(con, "stg_menu_hours", day_pos=2, start_pos=3, end_pos=4)
    query = "select line, start_us, end_us, reject_reason from staged"
    staged = {line: rest for line, *rest in con.execute(query).fetchall()}
    assert sorted(staged) == list(range(2, len(times) + 2))
    for i, (start_text, end_text) in enumerate(times):
        start, end = start_text.strip(" "), end_text.strip(" ")  # a field is trimmed
        start_us, end_us = reference_clock_us(start, False), reference_clock_us(end, True)
        got_start, got_end, reason = staged[i + 2]
        if start_us is None:
            assert reason == f"unparseable start time '{start}'"
        elif end_us is None:
            assert reason == f"unparseable end time '{end}'"
        else:
            assert (got_start, got_end, reason) == (start_us, end_us, None)
