-- stg_lines: the data lines of one piece of a raw CSV file, each read on its own into field
-- values, with the reason a line is refused whatever its kind (too long, bad quoting, ragged,
-- implausible id).
-- grain: one row per non-blank physical line after the header line (temp view stg_lines)
-- params: $lines_before (physical lines of the file before the piece), $n_fields (columns in
--         its header), $id_pos (1-based position of store_id), $max_line_bytes (longest line
--         read), $max_id_chars (longest id)
-- A view over the piece's physical lines (scanned_lines: stg_scan_csv or stg_scan_text), read
-- once by the kind's stg_<source> step: a line is split, checked and typed in one pass, on every
-- core. Its parameters are session variables (a view takes no $params), set here and read when
-- the view is. A piece (storemon/engine/reader.py) is the whole file, or a run of its whole
-- lines; its lines keep the file's numbers ($lines_before), and line 1 is the header.
-- One reading path for every file and every line (docs/report.md, "Inputs and loading"): a line
-- ends at LF (a CR before it, or at the end of the file, belongs to the line ending), so line
-- numbers are the file's physical lines and a line's fields never depend on its neighbours.
-- Fields follow RFC 4180 within one line: a field is plain text without a double quote, or is
-- whole in double quotes (commas allowed inside, a quote doubled); spaces and tabs around a field,
-- and inside its quotes, are trimmed. A line whose quotes do not follow this (a quote left open
-- at the end of the line: a line break is never part of a value) is refused. A store_id must be
-- plausible: printable, at most $max_id_chars characters, not starting like a spreadsheet
-- formula (= + - @). The common line (no quote, no tab, no space next to a comma or at an end) is
-- split by string_split alone: the regular expressions run only on the other lines.
set variable stg_lines_before = $lines_before;

set variable stg_lines_n_fields = $n_fields;

set variable stg_lines_id_pos = $id_pos;

set variable stg_lines_max_line_bytes = $max_line_bytes;

set variable stg_lines_max_id_chars = $max_id_chars;

create or replace temp view stg_lines as

with

-- scanned_lines was written in file order by one statement, so its row ids count its lines
-- from the first one's (which is not 0 inside the load's transaction)
first_row as (
    select min(rowid) as first_rowid
    from scanned_lines
),

numbered as (
    select
        getvariable('stg_lines_before') + 1
        + scanned_lines.rowid - first_row.first_rowid as line,
        coalesce(scanned_lines.raw, '') as raw
    from scanned_lines
    cross join first_row
),

shaped as (
    select
        line,
        raw,
        strlen(raw) as n_bytes,
        contains(raw, chr(34)) as quoted
    from numbered
    where
        line > 1
        -- blank: spaces and tabs alone (or nothing). Such a line sorts before '!' (the byte
        -- after the space), so comparing with '!' clears every line that starts with a visible
        -- character; the regular expression reads only the few that start below it.
        and not (raw < '!' and regexp_full_match(raw, '[ \t]*'))
),

split as (
    select
        line,
        raw,
        n_bytes,
        quoted,
        case
            when n_bytes > getvariable('stg_lines_max_line_bytes')
                then
                    'line of ' || format('{:,}', n_bytes) || ' bytes, longer than the limit of '
                    || format('{:,}', getvariable('stg_lines_max_line_bytes'))
            when
                quoted
                and not regexp_full_match(
                    raw,
                    '[ \t]*("(?:[^"]|"")*"[ \t]*|[^",]*)'
                    || '(,[ \t]*("(?:[^"]|"")*"[ \t]*|[^",]*))*'
                )
                then
                    'a double quote out of place (a quoted field is whole in quotes, closes on'
                    || ' its line and doubles a quote inside)'
        end as line_reason
    from shaped
),

valued as (
    select
        line,
        raw,
        n_bytes,
        line_reason,
        case
            when line_reason is not null then []
            when quoted
                then
                    list_transform(
                        regexp_extract_all(
                            raw || ',', '[ \t]*("(?:[^"]|"")*"|[^",]*)[ \t]*,', 1
                        ),
                        lambda cell: trim(
                            if(
                                prefix(cell, chr(34)),
                                replace(cell[2:-2], chr(34) || chr(34), chr(34)),
                                cell
                            ),
                            ' ' || chr(9)
                        )
                    )
            when
                contains(raw, chr(9))
                or prefix(raw, ' ')
                or suffix(raw, ' ')
                or contains(raw, ', ')
                or contains(raw, ' ,')
                then list_transform(string_split(raw, ','), lambda cell: trim(cell, ' ' || chr(9)))
            else string_split(raw, ',')  -- nothing to trim or unquote: the common line
        end as fields
    from split
),

checked as (
    select
        *,
        if(line_reason is null, len(fields), null) as n_fields,
        coalesce(fields[getvariable('stg_lines_id_pos')], '') as store_id
    from valued
),

-- An id of ASCII characters alone (as many bytes as characters) can hold only the ASCII
-- controls: bytes 0-31, which JSON text must escape (RFC 8259: to_json's text is then longer
-- than the id in quotes), and DEL (127). Such an id needs no regular expression (a third of
-- its cost); any other id is searched for every control character.
controlled as (
    select
        *,
        case
            when
                strlen(store_id) = length(store_id)
                and strlen(to_json(store_id)) = strlen(store_id) + 2
                and not contains(store_id, chr(127))
                then ''
            else regexp_extract(store_id, '[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]')
        end as id_control
    from checked
),

final as (
    select
        line,
        if(n_bytes > 1000, left(raw, 1000) || ' ...', raw) as raw,
        n_fields,
        fields,
        store_id,
        case
            when line_reason is not null then line_reason
            when n_fields <> getvariable('stg_lines_n_fields')
                then
                    'expected ' || getvariable('stg_lines_n_fields') || ' fields, found '
                    || format('{:,}', n_fields)
            when store_id = '' then 'empty store_id'
            when length(store_id) > getvariable('stg_lines_max_id_chars')
                then
                    'store_id: ' || format('{:,}', length(store_id)) || ' characters, at most '
                    || getvariable('stg_lines_max_id_chars')
            when id_control <> ''
                then
                    'store_id: holds a control character ('
                    || printf('U+%04X', ord(id_control)) || ')'
            when left(store_id, 1) in ('=', '+', '-', '@')
                then 'store_id: starts with ''' || left(store_id, 1) || ''' (a spreadsheet formula)'
        end as line_reason
    from controlled
)

select * from final
