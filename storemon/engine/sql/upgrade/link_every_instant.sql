-- link_every_instant: a database made before the instants were linked (schema 3) gets every hot
-- in-hours instant's predecessor once, from the instants and last archived observations it holds.
-- grain: one row per store and in-hours instant (table poll_instants, updated: prev_packed)
-- params: none (reads poll_instants and stores; runs before any file loads)
-- As link_instants defines it: the store's previous instant in business hours, 2 * t_us +
-- active; the first hot one follows the last archived in hours (stores.cold_hours_*).
update poll_instants
set prev_packed = links.prev_packed
from (
    select
        poll_instants.store_key,
        poll_instants.t_us,
        coalesce(
            lag(2 * poll_instants.t_us + cast(poll_instants.active as bigint)) over (
                partition by poll_instants.store_key order by poll_instants.t_us
            ),
            2 * stores.cold_hours_us + cast(stores.cold_hours_active as bigint)
        ) as prev_packed
    from poll_instants
    inner join stores on poll_instants.store_key = stores.store_key
    where poll_instants.in_hours
) as links
where
    poll_instants.store_key = links.store_key
    and poll_instants.t_us = links.t_us
