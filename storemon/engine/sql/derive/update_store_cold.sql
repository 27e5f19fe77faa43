-- update_store_cold: each store's last archived observation, moved on by cold_instants.
-- grain: one row per store (table stores): cold_hours_* = the last archived poll in business
-- hours, cold_any_* = the last archived poll; several polls at that instant: inactive wins
-- params: none (reads cold_instants)
-- report_fallback reads them, so a report whose week is hot never reads the archive to find the
-- status of a store silent since before the hot window.
update stores
set
    cold_hours_us = latest.hours_us,
    cold_hours_active = latest.hours_active,
    cold_any_us = latest.any_us,
    cold_any_active = latest.any_active
from (
    select
        candidates.store_key,
        max(candidates.t_us) filter (where candidates.in_hours) as hours_us,
        arg_max(
            candidates.active, 2 * candidates.t_us + cast(not candidates.active as bigint)
        ) filter (where candidates.in_hours) as hours_active,
        max(candidates.t_us) as any_us,
        arg_max(
            candidates.active, 2 * candidates.t_us + cast(not candidates.active as bigint)
        ) as any_active
    from (
        select
            store_key,
            t_us,
            active,
            in_hours
        from cold_instants
        union all
        select
            store_key,
            cold_hours_us as t_us,
            cold_hours_active as active,
            true as in_hours
        from stores
        where cold_hours_us is not null
        union all
        select
            store_key,
            cold_any_us as t_us,
            cold_any_active as active,
            false as in_hours
        from stores
        where cold_any_us is not null
    ) as candidates
    group by candidates.store_key
) as latest
where stores.store_key = latest.store_key
