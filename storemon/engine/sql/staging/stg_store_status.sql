-- stg_store_status: validate and type the fields of one store-status file.
-- grain: one row per data line in stg_lines, into the temp table `staged`
--        (reject_reason is null for a good row, and raw too: only a reject keeps its line)
-- params: $ts_pos, $status_pos (1-based positions from the header); stg_lines has read the
--         fields and refused the lines any kind refuses (line_reason)
-- Timestamps are UTC instants: `2023-01-22 12:09:39.388884 UTC`, `2024-10-01T10:00:00Z`,
-- `2024-10-01 10:00:00+00:00`, with 0-9 fraction digits (beyond 6 truncated to microseconds); no
-- suffix means UTC; an explicit other offset is converted to UTC. The common export format is
-- parsed by strptime (fast), anything else by DuckDB's timestamptz cast (after closing a space
-- before an offset), behind a shape check that refuses a bare date.
create or replace temp table staged as

with

status_fields as (
    select
        line,
        raw,
        line_reason,
        coalesce(store_id, '') as store_id,
        coalesce(fields[$ts_pos], '') as ts_text,
        coalesce(fields[$status_pos], '') as status_text
    from stg_lines
),

parsed as (
    select
        *,
        case
            -- at least 16 characters, the 5th '-', the 11th ' ', 'T' or 't', the 14th ':' (one
            -- pattern: a quarter of the cost of reading the characters one by one)
            when not ts_text glob '????-?????[ Tt]??:??*' then null
            when ts_text like '%.% UTC'
                then coalesce(
                    try_strptime(ts_text, '%Y-%m-%d %H:%M:%S.%f UTC'),
                    cast(try_cast(ts_text as timestamptz) as timestamp)
                )
            else
                cast(
                    try_cast(
                        regexp_replace(ts_text, '\s+([+-]\d|[zZ]$)', '\1') as timestamptz
                    ) as timestamp
                )
        end as timestamp_utc
    from status_fields
),

checked as (
    select
        line,
        raw,
        store_id,
        timestamp_utc,
        lower(status_text) as status,
        case
            when line_reason is not null then line_reason
            when timestamp_utc is null then 'unparseable timestamp ''' || ts_text || ''''
            when lower(status_text) not in ('active', 'inactive')
                then 'unknown status ''' || status_text || ''''
        end as reject_reason
    from parsed
),

-- a good row's line is not kept: only a reject's is read again (merge_rejects)
final as (
    select
        line,
        if(reject_reason is null, null, raw) as raw,
        store_id,
        timestamp_utc,
        status,
        reject_reason
    from checked
)

select * from final
