-- stg_scan_csv: the physical lines of a piece of a CSV file, split by DuckDB's parallel scanner.
-- grain: one row per physical line, in file order (temp table scanned_lines, whose rowid is the
-- line's place in the piece); a blank line is null
-- params: $file (the file, or a copy of the piece), $new_line ('\n' or '\r\n', DuckDB's spelling:
--         the one line ending of every line of the piece), $max_scan (DuckDB's max_line_size)
-- Only for a piece the reader (storemon/engine/reader.py, PieceCutter) found DuckDB splits as
-- the one reading path does: every line ends alike (LF, or CRLF), no byte 0x01 (the delimiter,
-- so a line is one value), no line near $max_scan bytes, no byte-order mark but the file's own;
-- quoting is off, so every byte of a line is its text. Other pieces use stg_scan_text.
create or replace temp table scanned_lines as

with

final as (
    select raw
    from read_csv(
        $file,
        columns = { 'raw': 'varchar' },
        delim = chr(1),
        quote = '',
        escape = '',
        header = false,
        auto_detect = false,
        strict_mode = false,
        new_line = $new_line,
        max_line_size = $max_scan
    )
)

select * from final
