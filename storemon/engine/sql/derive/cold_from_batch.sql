-- cold_from_batch: archived instants derived again (a store's hours, zone or polls changed).
-- grain: one row per store and instant (temp table cold_instants)
-- params: none (reads batch_instants, derived from every archived poll of the changed stores)
create or replace temp table cold_instants as
select
    store_key,
    t_us,
    active,
    in_hours,
    null::bigint as prev_packed
from batch_instants
