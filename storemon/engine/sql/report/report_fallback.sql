-- report_fallback: the last observation before the look-back, for stores without one inside it.
-- grain: one row per such store, into report_instants
-- params: $lo_us (the first instant report_instants read, a UTC midnight; reads report_clock,
--         stores, store_days and archive_instants)
-- A store silent since before the hot window finds its last archived observation in stores
-- (cold_hours_*, cold_any_*: update_store_cold) when that is before the look-back.
-- Only the last observation before the week places the status at its start (both methods), so
-- a store observed in the look-back needs nothing older. Observations follow report_polls: polls
-- in hours, or all polls of a store without a poll in hours up to now.
insert into report_instants

with

bounds as (
    select
        week_start_us,
        cast($lo_us as bigint) as lo_us,
        now_us
    from report_clock
),

flags as (
    select
        stores.store_key,
        coalesce(stores.first_in_hours_us <= bounds.now_us, false) as uses_hours,
        case
            when stores.first_in_hours_us <= bounds.now_us then stores.first_in_hours_us
            else stores.first_us
        end as first_observed_us
    from stores
    cross join bounds
),

covered as (
    select distinct report_instants.store_key
    from report_instants
    inner join flags on report_instants.store_key = flags.store_key
    where
        report_instants.t_us < (select week_start_us from bounds)
        and (report_instants.in_hours or not flags.uses_hours)
),

needy as (
    select
        flags.store_key,
        flags.uses_hours
    from flags
    anti join covered on flags.store_key = covered.store_key
    where flags.first_observed_us < (select lo_us from bounds)
),

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
            day_no < (select lo_us from bounds) // 86400000000
            and last_hours_us is not null
        union all
        select
            store_key,
            last_any_us as t_us,
            last_any_active as active,
            false as in_hours
        from store_days
        where day_no < (select lo_us from bounds) // 86400000000
        union all
        select * from archive_instants
        where t_us < (select lo_us from bounds)
        union all
        select
            store_key,
            cold_hours_us as t_us,
            cold_hours_active as active,
            true as in_hours
        from stores
        where cold_hours_us < (select lo_us from bounds)
        union all
        select
            store_key,
            cold_any_us as t_us,
            cold_any_active as active,
            false as in_hours
        from stores
        where cold_any_us < (select lo_us from bounds)
    ) as older
    inner join needy on older.store_key = needy.store_key
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
