-- derive_stores: every store ever polled with a compact integer key (in store_id order when
-- built; append_stores adds later ones), its first poll and first poll in business hours, so that
-- the report joins and groups on integers and knows a store's past without reading it.
-- grain: one row per store_id ever polled (table stores, rebuilt when a store changes)
-- params: none (reads the previous stores, store_status and changed_stores)
-- cold_*: the store's last archived observation (update_store_cold), kept like the firsts.
-- Stores keep their firsts from earlier loads (their polls may be archived by now), except the
-- changed ones, whose firsts are found again (update_store_firsts, from the hot polls and, by
-- storemon.engine.archive, the archived ones).
create or replace table stores as

with

kept as (
    select
        store_id,
        first_us,
        first_in_hours_us,
        cold_hours_us,
        cold_hours_active,
        cold_any_us,
        cold_any_active
    from stores
    anti join changed_stores on stores.store_id = changed_stores.store_id
),

polled as (
    select
        store_id,
        epoch_us(min(timestamp_utc)) as first_us,
        cast(null as bigint) as first_in_hours_us,
        cast(null as bigint) as cold_hours_us,
        cast(null as boolean) as cold_hours_active,
        cast(null as bigint) as cold_any_us,
        cast(null as boolean) as cold_any_active
    from store_status
    group by store_id
),

both_sources as (
    select * from kept
    union all
    select * from polled
),

merged as (
    select
        store_id,
        min(first_us) as first_us,
        min(first_in_hours_us) as first_in_hours_us,
        max(cold_hours_us) as cold_hours_us,
        bool_and(cold_hours_active) as cold_hours_active,
        max(cold_any_us) as cold_any_us,
        bool_and(cold_any_active) as cold_any_active
    from both_sources
    group by store_id
),

final as (
    select
        cast(row_number() over (order by store_id) as integer) as store_key,
        store_id,
        first_us,
        first_in_hours_us,
        cold_hours_us,
        cold_hours_active,
        cold_any_us,
        cold_any_active
    from merged
)

select * from final
