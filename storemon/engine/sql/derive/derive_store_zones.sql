-- derive_store_zones: the time zone each store's hours are read in, for the stores to derive.
-- grain: one row per store (table store_zones): the rows of the stores in derive_keys replaced
-- params: $default_tz (the zone of a store without a valid zone row: docs/report.md says
--         America/Chicago)
delete from store_zones
where store_key in (select derive_keys.store_key from derive_keys);

insert into store_zones

with

final as (
    select
        stores.store_key,
        coalesce(timezones.timezone_str, $default_tz) as zone
    from stores
    left join timezones on stores.store_id = timezones.store_id
    where stores.store_key in (select derive_keys.store_key from derive_keys)
)

select * from final
