-- derive_stores: every polled store with a compact integer key (in store_id order) and its first
-- poll, so that the report joins, groups and sorts on integers instead of long id strings.
-- grain: one row per store_id in store_status (table stores, rebuilt after each load)
-- params: none
create or replace table stores as

with

polled as (
    select
        store_id,
        epoch_us(min(timestamp_utc)) as first_us
    from store_status
    group by store_id
),

final as (
    select
        cast(row_number() over (order by store_id) as integer) as store_key,
        store_id,
        first_us
    from polled
)

select * from final
