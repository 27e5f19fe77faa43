-- gen_store_status: generated polls shaped like the real store_status export.
-- grain: one row per poll, in the row order of the registered relation
--     `gen_polls` (store_id bigint, active boolean, ts_us bigint: microseconds
--     since the Unix epoch, UTC)
-- params: none (storemon.generate writes the result with write_csv)
-- The real export writes `2023-01-22 12:09:39.388884 UTC` with the trailing
-- zeros of the fraction dropped (1-6 digits, none when it is zero). DuckDB's
-- cast of a timestamp to text writes exactly that, 2.6x faster than strftime
-- plus rtrim (tests/test_generate.py checks the format).
with

polls as (
    select
        store_id,
        active,
        ts_us
    from gen_polls
),

final as (
    select
        cast(store_id as varchar) as store_id,
        case when active then 'active' else 'inactive' end as status,
        cast(make_timestamp(ts_us) as varchar) || ' UTC' as timestamp_utc
    from polls
)

select * from final
