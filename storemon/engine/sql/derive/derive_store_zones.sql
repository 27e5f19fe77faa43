-- derive_store_zones: the time zone each store's hours are read in.
-- grain: one row per store (table store_zones, rebuilt after each load)
-- params: $default_tz (the zone of a store without a valid zone row: docs/report.md says
--         America/Chicago)
create or replace table store_zones as

with

final as (
    select
        stores.store_key,
        coalesce(timezones.timezone_str, $default_tz) as zone
    from stores
    left join timezones on stores.store_id = timezones.store_id
)

select * from final
