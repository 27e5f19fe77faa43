-- timeline_store: the store a timeline is drawn for, and the zone its hours are read in.
-- grain: one row, or none when the store has no poll at or before the report's `now`
-- params: $store_id (the store's id as in the data)
-- Reads stores, store_zones and report_clock (storemon.report.prepare_report builds it).
with

final as (
    select
        stores.store_key,
        stores.store_id,
        store_zones.zone
    from stores
    inner join store_zones on stores.store_key = store_zones.store_key
    cross join report_clock
    where
        stores.store_id = $store_id
        and stores.first_us <= report_clock.now_us
)

select * from final
