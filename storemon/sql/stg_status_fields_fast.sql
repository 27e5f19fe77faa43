-- stg_status_fields_fast: the fields of a store-status file, read by DuckDB's parallel CSV reader.
-- grain: one row per data row (temp table status_fields)
-- params: $file, $columns (struct: every header column, normalised name -> 'VARCHAR'), $n_fields
-- Row numbers equal line numbers only when the file has no blank or ragged line: the loader uses
-- this path when the file turns out clean (no row rejected here, nothing in reject_errors) and
-- reparses it with stg_status_fields_exact otherwise. Every field is read as text, so an id never
-- passes through a number.
create or replace temp table status_fields as

with

rows as (
    select
        row_number() over () + 1 as line,
        store_id,
        timestamp_utc,
        status
    from read_csv(
        $file,
        header = true,
        auto_detect = false,
        delim = ',',
        quote = '"',
        columns = $columns,
        null_padding = true,
        store_rejects = true
    )
),

final as (
    select
        line,
        cast(null as varchar) as raw,
        case
            when store_id is null or timestamp_utc is null or status is null then 0
            else $n_fields
        end as n_fields,
        trim(coalesce(store_id, '')) as store_id,
        trim(coalesce(timestamp_utc, '')) as ts_text,
        trim(coalesce(status, '')) as status_text
    from rows
)

select * from final
