-- report_fallback: the last observation before the look-back, for stores without one inside it.
-- grain: one row per needy store (report_needy) that has one, into report_older_instants (read
-- through the view report_instants)
-- params: $lo_us (the first instant report_instants read, a UTC midnight; reads report_needy,
--         stores, store_days and archive_instants)
-- From store_days (the hot days before the look-back), archive_instants (when the report read
-- the archive) or, for a store silent since before the hot window, its last archived observation
-- in stores (cold_hours_*, cold_any_*: update_store_cold) when that is before the look-back.
insert into report_older_instants

with

candidates as (
    select
        older.store_key,
        older.t_us,
        older.active,
        older.in_hours
    from (
        select
            store_key,
            last_hours_us as t_us,
            last_hours_active as active,
            true as in_hours
        from store_days
        where
            day_no < $lo_us // 86400000000
            and last_hours_us is not null
        union all
        select
            store_key,
            last_any_us as t_us,
            last_any_active as active,
            false as in_hours
        from store_days
        where day_no < $lo_us // 86400000000
        union all
        select
            store_key,
            t_us,
            active,
            in_hours
        from archive_instants
        where t_us < $lo_us
        union all
        select
            store_key,
            cold_hours_us as t_us,
            cold_hours_active as active,
            true as in_hours
        from stores
        where cold_hours_us < $lo_us
        union all
        select
            store_key,
            cold_any_us as t_us,
            cold_any_active as active,
            false as in_hours
        from stores
        where cold_any_us < $lo_us
    ) as older
    inner join report_needy as needy on older.store_key = needy.store_key
    where older.in_hours or not needy.uses_hours
),

final as (
    select
        store_key,
        max(t_us) as t_us,
        arg_max(active, 2 * t_us + cast(not active as bigint)) as active,
        arg_max(in_hours, 2 * t_us + cast(not active as bigint)) as in_hours
    from candidates
    group by store_key
)

select * from final
