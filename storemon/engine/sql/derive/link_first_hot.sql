-- link_first_hot: link each store's first hot in-hours instant to its last archived one, for the
-- stores a load derived again or gave polls older than the hot window.
-- grain: one row per such store (table poll_instants, updated: prev_packed of its first hot
--        instant in business hours)
-- params: none (reads link_stores, changed_stores, stores, poll_instants; runs at the end of a
--         load that keeps an archive, once the archive and stores.cold_hours_* are up to date)
-- link_instants seeds a store's instants from what the database held when it ran: a store derived
-- again had its last archived observation forgotten then (update_store_cold finds it again), and
-- polls older than the window reach the archive only after it. A store's first hot instant in
-- hours follows every archived one, so its predecessor is the last archived in hours.
create or replace temp table first_hot_keys as
select store_key from link_stores
where early
union
select stores.store_key from stores
semi join changed_stores on stores.store_id = changed_stores.store_id;

update poll_instants
set prev_packed = firsts.seed
from (
    select
        hot.store_key,
        hot.t_us,
        2 * stores.cold_hours_us + cast(stores.cold_hours_active as bigint) as seed
    from (
        select
            poll_instants.store_key,
            min(poll_instants.t_us) as t_us
        from poll_instants
        semi join first_hot_keys on poll_instants.store_key = first_hot_keys.store_key
        where poll_instants.in_hours
        group by poll_instants.store_key
    ) as hot
    inner join stores on hot.store_key = stores.store_key
) as firsts
where
    poll_instants.store_key = firsts.store_key
    and poll_instants.t_us = firsts.t_us
    and firsts.seed is distinct from poll_instants.prev_packed
