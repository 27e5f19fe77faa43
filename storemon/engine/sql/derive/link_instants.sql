-- link_instants: the instants a load adds, and each in-hours instant's predecessor, for the
-- instants it adds and those that follow them.
-- grain: one row per store and instant of the batch or held after the batch's first in-hours one
--        (temp table instant_links); merge_poll_instants inserts the new ones (is_held false) and
--        updates held ones whose predecessor changed
-- params: none (reads link_stores, batch_instants, poll_instants, store_days, stores)
-- prev_packed: the store's previous instant in business hours, 2 * t_us + active (1 active, 0
-- inactive; at one instant inactive wins, as in poll_instants), null when none is known, and for
-- an instant out of hours. A held instant's predecessor changes when a load adds an in-hours
-- instant before it, or turns an earlier one inactive: so every in-hours instant of a store from
-- the batch's first one on is linked again (in an hourly drop, only its own). The instant before
-- those (the seed) is the latest of: a held in-hours instant read before it, the last in hours
-- of a hot day when it is earlier (store_days: the recent days for every store, the days before
-- them only for a store without one in them), the last archived in hours (stores.cold_hours_*). A
-- store the load derives again has no seed until its archived polls are read again, and polls
-- older than the hot window reach the archive after this step: link_first_hot mends both.
-- The held instants read: from the batch's first instant on, or from the UTC midnight before a
-- store's first batch instant in hours when the store holds a later one that day (store_days: its
-- predecessor may be earlier that day). An hourly drop reads only what it adds (a range DuckDB
-- prunes); the days before are summarised by store_days.
set variable link_day_us = coalesce(
    (
        select
            min(
                case
                    when store_days.last_hours_us >= link_stores.from_us
                        then least(
                            link_stores.first_us,
                            link_stores.from_us // 86400000000 * 86400000000
                        )
                    else link_stores.first_us
                end
            )
        from link_stores
        left join store_days
            on
                link_stores.store_key = store_days.store_key
                and link_stores.from_us // 86400000000 = store_days.day_no
    ),
    9223372036854775807
);

-- The days whose summaries are read for every store (the two UTC days before the earliest first
-- day of the stores linked, and after): the last in-hours instant before a store's first one
-- is almost always there. Only a store without one there reads its days before them.
set variable link_recent_day = coalesce(
    (select min(from_us // 86400000000) - 2 from link_stores),
    9223372036854775807
);

create or replace temp table instant_links as

with

held as (
    select
        poll_instants.store_key,
        poll_instants.t_us,
        poll_instants.active,
        poll_instants.in_hours,
        poll_instants.prev_packed
    from poll_instants
    semi join link_stores on poll_instants.store_key = link_stores.store_key
    where poll_instants.t_us >= getvariable('link_day_us')
),

-- an instant both held and in the batch is one, inactive if either says so
paired as (
    select
        coalesce(held.store_key, batch_instants.store_key) as store_key,
        coalesce(held.t_us, batch_instants.t_us) as t_us,
        coalesce(held.active, true) and coalesce(batch_instants.active, true) as active,
        coalesce(held.in_hours, batch_instants.in_hours) as in_hours,
        held.store_key is not null as is_held,
        held.prev_packed as held_prev
    from held
    full outer join batch_instants
        on held.store_key = batch_instants.store_key and held.t_us = batch_instants.t_us
),

placed as (
    select
        paired.*,
        coalesce(paired.in_hours and paired.t_us >= link_stores.from_us, false) as to_link,
        coalesce(paired.in_hours and paired.t_us < link_stores.from_us, false) as before
    from paired
    inner join link_stores on paired.store_key = link_stores.store_key
),

-- the last in-hours instant of each hot day before a store's first instant to link (store_days:
-- one row per store and day): over the recent days for every store, and over the days before
-- them only for a store without one in them (each of those days ends before the recent days
-- begin, so it cannot be later than what they hold)
recent_days as (
    select
        store_days.store_key,
        store_days.last_hours_us,
        store_days.last_hours_active
    from store_days
    inner join link_stores on store_days.store_key = link_stores.store_key
    where
        store_days.day_no between getvariable('link_recent_day')
        and link_stores.from_us // 86400000000
        and store_days.last_hours_us < link_stores.from_us
),

unseeded as (
    select
        store_key,
        from_us
    from link_stores
    anti join recent_days on link_stores.store_key = recent_days.store_key
),

earlier_days as (
    select
        store_days.store_key,
        store_days.last_hours_us,
        store_days.last_hours_active
    from store_days
    inner join unseeded on store_days.store_key = unseeded.store_key
    where
        store_days.day_no < getvariable('link_recent_day')
        and store_days.last_hours_us < unseeded.from_us
),

seeds as (
    select
        store_key,
        max(packed) as seed
    from (
        select
            store_key,
            2 * t_us + cast(active as bigint) as packed
        from placed
        where before
        union all
        select
            store_key,
            2 * last_hours_us + cast(last_hours_active as bigint) as packed
        from (
            select * from recent_days
            union all
            select * from earlier_days
        ) as days
        union all
        select
            stores.store_key,
            2 * stores.cold_hours_us + cast(stores.cold_hours_active as bigint) as packed
        from stores
        inner join link_stores on stores.store_key = link_stores.store_key
        where stores.cold_hours_us < link_stores.from_us
    ) as candidates
    group by store_key
),

-- ordered by packed alone (it orders like t_us: one instant per store), so the window sorts
-- and carries one column
linked as (
    select
        store_key,
        packed >> 1 as t_us,
        packed & 1 = 1 as active,
        true as in_hours,
        is_held,
        held_prev,
        coalesce(lag(packed) over (partition by store_key order by packed), seed) as prev_packed
    from (
        select
            placed.store_key,
            2 * placed.t_us + cast(placed.active as bigint) as packed,
            placed.is_held,
            placed.held_prev,
            seeds.seed
        from placed
        left join seeds on placed.store_key = seeds.store_key
        where placed.to_link
    ) as to_link
),

final as (
    select * from linked
    union all
    select
        store_key,
        t_us,
        active,
        in_hours,
        is_held,
        held_prev,
        null as prev_packed
    from placed
    where not to_link and not is_held
)

select * from final
