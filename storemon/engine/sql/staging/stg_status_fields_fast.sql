-- stg_status_fields_fast: the fields of a store-status file, read by DuckDB's parallel CSV reader.
-- grain: one row per data row (temp view status_fields, read once by stg_store_status)
-- params: none (the file, its columns and n_fields come from the variable set by
--         set_status_input: a view cannot take $params)
-- No line numbers: the loader keeps this path only when the file turns out clean (no row
-- rejected, nothing in reject_errors) and reparses it with stg_status_fields_exact otherwise, so
-- every reject still names its line. Every field is read as text: an id never becomes a number.
create or replace temp view status_fields as

with

rows as (
    select
        store_id,
        timestamp_utc,
        status
    from read_csv(
        getvariable('storemon_status_input').file,
        header = true,
        auto_detect = false,
        delim = ',',
        quote = '"',
        columns = getvariable('storemon_status_input').columns,
        null_padding = true,
        store_rejects = true
    )
),

final as (
    select
        cast(null as bigint) as line,
        cast(null as varchar) as raw,
        case
            when store_id is null or timestamp_utc is null or status is null then 0
            else getvariable('storemon_status_input').n_fields
        end as n_fields,
        trim(coalesce(store_id, '')) as store_id,
        trim(coalesce(timestamp_utc, '')) as ts_text,
        trim(coalesce(status, '')) as status_text
    from rows
)

select * from final
