-- stg_lines: the data lines of one raw CSV file, each read on its own into field values, with
-- the reason a line is refused whatever its kind (too long, bad quoting, ragged, implausible id).
-- grain: one row per non-blank physical line after the header line (temp view stg_lines)
-- params: $file (path of the CSV file, or of a piece of it), $n_fields (columns in its header),
--         $id_pos (1-based position of store_id), $max_line_bytes (longest line read),
--         $max_id_chars (longest id)
-- A view, read once by the kind's stg_<source> step: a line is read, split, checked and typed
-- in one pass, and no line is held twice. Its parameters are session variables (a view takes no
-- $params), set here and read when the view is.
-- A piece (storemon/engine/reader.py) of a big file, or a grown file's new part, is a file of
-- whole lines named <lines of the file before it, 12 digits>.piece, so that its lines keep the
-- file's numbers; any other file starts at line 1, its header line.
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
set variable stg_lines_file = $file;

set variable stg_lines_n_fields = $n_fields;

set variable stg_lines_id_pos = $id_pos;

set variable stg_lines_max_line_bytes = $max_line_bytes;

set variable stg_lines_max_id_chars = $max_id_chars;

create or replace temp view stg_lines as

with

source as (
    select
        if(
            suffix(filename, '.piece'), cast(parse_filename(filename, true) as bigint), 0
        ) as lines_before,
        string_split(
            replace(
                if(suffix(content, chr(13)), left(content, -1), content),
                chr(13) || chr(10),
                chr(10)
            ),
            chr(10)
        ) as lines
    from read_text(getvariable('stg_lines_file'))
),

numbered as (
    select
        unnest(generate_series(lines_before + 1, lines_before + len(lines))) as line,
        unnest(lines) as raw
    from source
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
        and not (
            raw = ''
            or (
                (prefix(raw, ' ') or prefix(raw, chr(9)))
                and regexp_full_match(raw, '[ \t]*')
            )
        )
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
        coalesce(fields[getvariable('stg_lines_id_pos')], '') as store_id,
        regexp_extract(
            coalesce(fields[getvariable('stg_lines_id_pos')], ''),
            '[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]'
        ) as id_control
    from valued
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
    from checked
)

select * from final
