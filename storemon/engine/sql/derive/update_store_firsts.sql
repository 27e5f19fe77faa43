-- update_store_firsts: lower each store's first poll and first poll in hours by batch_instants.
-- grain: one row per store (table stores)
-- params: none (reads batch_instants)
update stores
set
    first_us = least(stores.first_us, batch_firsts.first_us),
    first_in_hours_us = coalesce(
        least(stores.first_in_hours_us, batch_firsts.first_in_hours_us),
        stores.first_in_hours_us,
        batch_firsts.first_in_hours_us
    )
from (
    select
        store_key,
        min(t_us) as first_us,
        min(t_us) filter (where in_hours) as first_in_hours_us
    from batch_instants
    group by store_key
) as batch_firsts
where stores.store_key = batch_firsts.store_key
