-- archive_cold_instants: the hot poll instants about to move to the archive.
-- grain: one row per store and instant (temp table cold_instants)
-- params: $cutoff (timestamp: polls before it leave the hot database)
create or replace temp table cold_instants as
select
    store_key,
    t_us,
    active,
    in_hours,
    prev_packed
from poll_instants
where t_us < epoch_us($cutoff)
