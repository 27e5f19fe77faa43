-- stg_lines: the data lines of one raw CSV file with their line numbers, split into fields.
-- grain: one row per non-blank line after the header line
-- params: $file (path of the CSV file)
-- Fields are split on commas and left untrimmed: each stg_<source> query trims the ones it uses
-- (spaces, tabs and surrounding double quotes).
-- Why lines and not read_csv's typed columns: every rejected row must name its line, and reading
-- each line as a single column keeps file order (row_number over an empty window follows the scan
-- order), never fails on a ragged row and never lets an id pass through a number type.
create or replace temp table stg_lines as

with

raw_lines as (
    select
        row_number() over () + 1 as line,
        column0 as raw
    from read_csv(
        $file,
        columns = { 'column0': 'varchar' },
        header = false,
        skip = 1,
        delim = chr(1),
        quote = '',
        escape = '',
        auto_detect = false,
        strict_mode = false
    )
),

final as (
    select
        line,
        raw,
        string_split(raw, ',') as fields
    from raw_lines
    where trim(coalesce(raw, '')) <> ''
)

select * from final
