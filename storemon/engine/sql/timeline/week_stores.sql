-- week_stores: the stores of a report's store views, with their zone, numbers and the clock.
-- grain: one row per store of the report, in store_id order (store_key order is store_id order)
-- params: none (reads stores, store_zones, report_clock and report_rows: the report's own rows,
--         registered by storemon.engine.timeline.write_store_weeks)
-- store_key ties the rows of the other week_* files to their store (within one report only).
with

final as (
    select
        stores.store_key,
        stores.store_id,
        store_zones.zone,
        report_clock.week_start_us,
        report_clock.now_us,
        report_rows.uptime_last_hour,
        report_rows.uptime_last_day,
        report_rows.uptime_last_week,
        report_rows.downtime_last_hour,
        report_rows.downtime_last_day,
        report_rows.downtime_last_week
    from stores
    inner join store_zones on stores.store_key = store_zones.store_key
    inner join report_rows on stores.store_id = report_rows.store_id
    cross join report_clock
    where stores.first_us <= report_clock.now_us
    order by stores.store_key
)

select * from final
