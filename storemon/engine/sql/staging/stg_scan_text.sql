-- stg_scan_text: the physical lines of a piece of a CSV file, split as one text (any bytes).
-- grain: one row per physical line, in file order (temp table scanned_lines, whose rowid is the
-- line's place in the piece), and an empty one after a final newline
-- params: $file (the file, or a copy of the piece)
-- A line ends at LF; a CR before it, or at the end of the piece, belongs to the line ending. The
-- piece is split on one thread: used for what stg_scan_csv cannot read as the one reading path
-- does (a lone CR, mixed line endings, a byte 0x01, a very long line); stg_lines then splits,
-- checks and types the lines on every core either way.
create or replace temp table scanned_lines as

with

source as (
    select
        string_split(
            replace(
                if(suffix(content, chr(13)), left(content, -1), content),
                chr(13) || chr(10),
                chr(10)
            ),
            chr(10)
        ) as lines
    from read_text($file)
),

final as (
    select unnest(lines) as raw
    from source
)

select * from final
